"""Two annotators' independent passes over one Russian timex set: agreement, and the TimeML gold built from a pass.

    .venv/bin/python benchmarks/timex_agreement.py strip PASS.txt            # the bare letters, for the next annotator
    .venv/bin/python benchmarks/timex_agreement.py agree A.txt B.txt [--json] # agreement between two passes
    .venv/bin/python benchmarks/timex_agreement.py build PASS.txt OUT_DIR     # TimeML files (one per letter)

A pass is a text file: `#` lines are comments; `== NAME YYYY-MM-DD` opens a letter (its name and creation date); the
letter's lines follow, with every temporal expression marked `{span|TYPE|VALUE}` or `{span|TYPE|VALUE|MOD}`.
Agreement uses TempEval-3's measures with one pass as the reference (strict and relaxed span F1 are symmetric; value
and type F1 are over relaxed-matched pairs, as in `leakdesk eval timex`), plus the list of every disagreement.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from leakdesk.claims.timex.scorer import Counts, score_document, summarise  # noqa: E402
from leakdesk.claims.timex.timeml import GoldTimex as Mark  # noqa: E402  (one marked expression)

MARK = re.compile(r"\{([^{}|]+)\|(DATE|TIME|DURATION|SET)\|([^{}|]+)(?:\|([A-Z_]+))?\}")


@dataclass
class Letter:
    name: str
    dct: str
    text: str = ""
    marks: list[Mark] = field(default_factory=list)


def read_pass(path: Path) -> list[Letter]:
    """Letters of one annotator's pass, with the marks' character offsets in the bare text."""
    letters: list[Letter] = []
    lines: list[str] = []

    def close() -> None:
        if letters:
            letters[-1].text, letters[-1].marks = _unmark("\n".join(lines).strip("\n") + "\n")

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#"):
            continue
        if line.startswith("== "):
            close()
            parts = line[3:].split()
            if len(parts) != 2 or not re.fullmatch(r"\d{4}-\d\d-\d\d", parts[1]):
                raise SystemExit(f"{path}:{number}: a letter opens with '== NAME YYYY-MM-DD', not {line!r}")
            letters.append(Letter(parts[0], parts[1]))
            lines = []
        elif letters:
            lines.append(line)
    close()
    return letters


def _unmark(marked: str) -> tuple[str, list[Mark]]:
    out: list[str] = []
    marks: list[Mark] = []
    pos = length = 0
    for m in MARK.finditer(marked):
        out.append(marked[pos:m.start()])
        length += m.start() - pos
        span = m.group(1)
        marks.append(Mark(length, length + len(span), span, m.group(2), m.group(3), m.group(4)))
        out.append(span)
        length += len(span)
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "{" in text or "}" in text:
        raise SystemExit(f"a mark is malformed near: {text[text.find('{'):][:60]!r}")
    return text, marks


def agreement(a: list[Letter], b: list[Letter]) -> dict[str, object]:
    """TempEval-3 measures of pass B against pass A, and every disagreement."""
    by_name = {x.name: x for x in b}
    total = Counts()
    disagreements: list[dict[str, str]] = []
    for letter in a:
        other = by_name.get(letter.name)
        if other is None:
            raise SystemExit(f"pass B has no letter {letter.name}")
        if other.text != letter.text:
            raise SystemExit(f"the two passes' texts of {letter.name} differ: annotate the same letters")
        counts, errors = score_document(letter.marks, other.marks)  # type: ignore[arg-type]
        total.add(counts)
        disagreements += [{"letter": letter.name, **e} for e in errors]
    scores = summarise(total, len(a))
    result = {k: v for k, v in scores.as_dict().items() if k != "seconds"}
    result["disagreements"] = disagreements
    return result


def timeml(letter: Letter) -> str:
    body: list[str] = []
    pos = 0
    for i, m in enumerate(letter.marks, 1):
        body.append(escape(letter.text[pos:m.start]))
        mod = f" mod={quoteattr(m.mod)}" if m.mod else ""
        body.append(f'<TIMEX3 tid="t{i}" type="{m.type}" value={quoteattr(m.value)}{mod}>{escape(m.text)}</TIMEX3>')
        pos = m.end
    body.append(escape(letter.text[pos:]))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<TimeML lang="ru">\n'
        f"<DOCID>{escape(letter.name)}</DOCID>\n"
        f'<DCT><TIMEX3 tid="t0" type="DATE" value="{letter.dct}" functionInDocument="CREATION_TIME">{letter.dct}'
        "</TIMEX3></DCT>\n"
        f"<TEXT>{''.join(body)}</TEXT>\n</TimeML>\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("strip")
    p.add_argument("pass_file", type=Path)
    p = sub.add_parser("agree")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("build")
    p.add_argument("pass_file", type=Path)
    p.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "strip":
        for letter in read_pass(args.pass_file):
            print(f"== {letter.name} {letter.dct}\n{letter.text}", end="")
    elif args.command == "agree":
        a, b = read_pass(args.a), read_pass(args.b)
        result = agreement(a, b)
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            for key in ("documents", "gold", "system", "strict_f1", "relaxed_f1", "value_f1", "type_f1"):
                print(f"{key:12} {result[key]}")
            for d in result["disagreements"]:  # type: ignore[union-attr]
                print(json.dumps(d, ensure_ascii=False))
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        for letter in read_pass(args.pass_file):
            (args.out / f"{letter.name}.tml").write_text(timeml(letter), encoding="utf-8")


if __name__ == "__main__":
    main()
