"""Impostors in a series (issue 14): does leakdesk's series analysis find two letters by another hand among twelve
genuine ones, on real prose?

    python benchmarks/authorship_series.py --ru /work/shared/data/authorship/ru-rsd \\
        --en /work/shared/data/authorship/reuters-c50 [--seeds 4] [--lengths 300 600] [--write BENCHMARKS.md]

Protocol (fixed, seeded; the same for every run with the same arguments):
- per series: a writer W and an impostor writer I of the same corpus (for RSD the same subset: fiction or
  theology), 12 genuine letters by W and 2 by I, each exactly LENGTH words cut at a paragraph/sentence edge from
  non-overlapping passages (RSD: chunks of W's books; Reuters C50: consecutive articles of W joined); the two
  impostor letters go to random places after the first three letters;
- a reference pool of REF_WRITERS other writers (never W or I), REF_TEXTS_PER_WRITER texts each, of the same length;
- every series is ingested into a fresh temporary case (`leakdesk.intake.ingest_paths`, series "S"), the pool added
  with `casework.add_references`, and the case judged with `casework.verify_series` (leave-one-out of every letter,
  from 6 letters and 4 reference texts the series-consistency model, else the shipped fusion): exactly what
  `leakdesk verify CASE --series S` does.
Reported per language and length: share of series where the two impostors are the two least likely letters; share
where both are flagged `different`; false alarms (`different` on a genuine letter) per 12 genuine letters; share of
letters answered "cannot tell". Texts are read from the paths given; nothing from the corpora enters the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED = 2026
GENUINE = 12
IMPOSTORS = 2
FIRST_GENUINE = 3  # impostors are placed after the first three letters
REF_WRITERS = 4
REF_TEXTS_PER_WRITER = 3
SPLIT_MIN_WRITERS = 30  # a corpus with this many writers gives development and reported series disjoint writers
SECTION = "## Authorship: impostors in a series (issue 14)"
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass
class Writer:
    name: str
    group: str  # impostors come from the writer's own group (RSD subset; one group for Reuters)
    paragraphs: list[str]


# ----------------------------------------------------------------------------------------------- corpora


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r", "").split("\n") if len(p.split()) >= 3]


def rsd_writers(root: Path) -> list[Writer]:
    """RSD: `<subset>/corpus/<author>_<work>[_bN].txt`; all of an author's books, in file order."""
    writers: dict[tuple[str, str], list[str]] = {}
    for f in sorted(root.glob("*/corpus/*.txt")):
        author = f.stem.partition("_")[0]
        paras = _paragraphs(f.read_text("utf-8-sig", errors="replace"))
        writers.setdefault((f.parts[-3], author), []).extend(paras)
    return [Writer(a, g, p) for (g, a), p in sorted(writers.items())]


def reuters_writers(root: Path) -> list[Writer]:
    """Reuters C50: `C50train|C50test/<Author>/*.txt`; each article's paragraphs, articles in file order."""
    writers: dict[str, list[str]] = {}
    for f in sorted(root.glob("C50*/*/*.txt")):
        writers.setdefault(f.parent.name, []).extend(_paragraphs(f.read_text("utf-8", errors="replace")))
    return [Writer(a, "reuters", p) for a, p in sorted(writers.items())]


_PASSAGES: dict[tuple[str, str, int, int], list[str]] = {}


def passages(writer: Writer, length: int) -> list[str]:
    """Non-overlapping passages of exactly `length` words, from consecutive paragraphs, cut at a sentence edge
    where one falls in the last 15% of the passage. Cut once per writer and length in a run (every series used to
    cut every writer's books again: about 4 s of each Russian series' build)."""
    key = (writer.group, writer.name, len(writer.paragraphs), length)
    if key not in _PASSAGES:
        _PASSAGES[key] = _cut(writer, length)
    return list(_PASSAGES[key])


def _cut(writer: Writer, length: int) -> list[str]:
    out, cur = [], []
    for para in writer.paragraphs:
        cur.append(para)
        if sum(len(p.split()) for p in cur) >= length:
            words = "\n\n".join(cur).split(" ")
            text = " ".join(words[:length])
            cut = max((m.start() for m in SENTENCE_END.finditer(text)), default=-1)
            if cut > 0 and len(text[:cut].split()) >= 0.85 * length:
                text = text[:cut]
            out.append(text.strip())
            cur = []
    return out


# ----------------------------------------------------------------------------------------------- one series


@dataclass
class Series:
    letters: list[str]
    impostor_at: list[int]  # 0-based positions of the impostor letters
    references: list[str]
    writer: str
    impostor: str


def build_series(writers: list[Writer], length: int, rng: random.Random, pool: str = "same-group") -> Series:
    """One series: 12 genuine + 2 impostor letters, and a reference pool of other writers (see module docstring)."""
    chunks = {w.name: passages(w, length) for w in writers}
    eligible = [w for w in writers if len(chunks[w.name]) >= GENUINE]
    writer = rng.choice(eligible)
    same_group = [w for w in writers if w.group == writer.group and w.name != writer.name
                  and len(chunks[w.name]) >= IMPOSTORS]  # fmt: skip
    impostor = rng.choice(same_group)
    genuine = rng.sample(chunks[writer.name], GENUINE)
    fakes = rng.sample(chunks[impostor.name], IMPOSTORS)
    slots = sorted(rng.sample(range(FIRST_GENUINE, GENUINE + IMPOSTORS), IMPOSTORS))
    letters, g, f = [], iter(genuine), iter(fakes)
    for i in range(GENUINE + IMPOSTORS):
        letters.append(next(f) if i in slots else next(g))
    others = [w for w in writers if w.name not in (writer.name, impostor.name)
              and len(chunks[w.name]) >= REF_TEXTS_PER_WRITER]  # fmt: skip
    if pool == "same-group":  # other people of the same kind first (RSD: the writer's own subset)
        near = [w for w in others if w.group == writer.group]
        far = [w for w in others if w.group != writer.group]
        chosen = rng.sample(near, min(REF_WRITERS, len(near)))
        chosen += rng.sample(far, REF_WRITERS - len(chosen))
    else:
        chosen = rng.sample(others, REF_WRITERS)
    refs = [t for w in chosen for t in rng.sample(chunks[w.name], REF_TEXTS_PER_WRITER)]
    return Series(letters, slots, refs, writer.name, impostor.name)


def verify_letters(letters: list[str], references: list[str], language: str) -> tuple[list[dict[str, Any]], int, float]:
    """Ingest the letters as series "S" into a temporary case, add the pool, run `verify_series`: the verdicts in
    letter order, the number of reference texts added, and the seconds the verification took."""
    from leakdesk.authorship.casework import add_references, verify_series
    from leakdesk.case import Case
    from leakdesk.intake import ingest_paths

    with tempfile.TemporaryDirectory(prefix="leakdesk-series-") as tmp:
        root = Path(tmp)
        case = Case.init(root / "case")
        try:
            ids = []
            for i, text in enumerate(letters):
                f = root / "in" / f"letter{i + 1:02d}.txt"
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_text(text, "utf-8")
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    made = ingest_paths(case, [f], series="S", progress=False)
                ids.append(_dispatch_id(made))
            refs = root / "refs"
            refs.mkdir()
            for j, text in enumerate(references):
                (refs / f"ref{j:02d}.txt").write_text(text, "utf-8")
            added = add_references(case, refs, language)
            t0 = time.perf_counter()
            results = verify_series(case, "S")
            seconds = time.perf_counter() - t0
        finally:
            case.close()
    by_id = {r["dispatch_id"]: r for r in results}
    return [by_id[i] for i in ids], len(added["added"]), seconds


def judge_series(series: Series, language: str, null: bool = False) -> dict[str, Any]:
    """The measured outcome of one series; `null`: also judge its 12 genuine letters alone (no impostor) with the
    same pool, to count the false alarms of a series that holds none."""
    rows, n_refs, seconds = verify_letters(series.letters, series.references, language)
    null_false = None
    if null:
        genuine = [t for k, t in enumerate(series.letters) if k not in series.impostor_at]
        null_rows, _, _ = verify_letters(genuine, series.references, language)
        null_false = sum(r["decision"] == "different" for r in null_rows)
    fake = set(series.impostor_at)
    lowest = sorted(range(len(rows)), key=lambda k: rows[k]["probability"])[:IMPOSTORS]
    return {
        "writer": series.writer,
        "impostor": series.impostor,
        "impostor_at": [k + 1 for k in series.impostor_at],
        "references": n_refs,
        "null_false_alarms": null_false,
        "ranked_lowest": set(lowest) == fake,
        "impostors_flagged": sum(rows[k]["decision"] == "different" for k in fake),
        "false_alarms": sum(r["decision"] == "different" for k, r in enumerate(rows) if k not in fake),
        "cannot_tell": sum(r["decision"] == "cannot tell" for r in rows),
        "letters": len(rows),
        "probabilities": [r["probability"] for r in rows],
        "decisions": [r["decision"] for r in rows],
        "calibration": sorted({r["calibration"] for r in rows}),
        "seconds": round(seconds, 1),
    }


def _dispatch_id(result: Any) -> int:
    """The id of the one new top-level dispatch an `ingest_paths` call made."""
    if len(result.created) != 1:
        raise RuntimeError(f"expected one new dispatch, got {result.as_dict()}")
    return int(result.created[0])


# ----------------------------------------------------------------------------------------------- the run


def summarise(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(outcomes)
    return {
        "series": n,
        "ranked_lowest": sum(o["ranked_lowest"] for o in outcomes) / n,
        "both_flagged": sum(o["impostors_flagged"] == IMPOSTORS for o in outcomes) / n,
        "ranked_and_flagged": sum(o["ranked_lowest"] and o["impostors_flagged"] == IMPOSTORS for o in outcomes) / n,
        "false_alarms_per_12": statistics.mean(o["false_alarms"] for o in outcomes) * 12 / GENUINE,
        "max_false_alarms": max(o["false_alarms"] for o in outcomes),
        "cannot_tell": sum(o["cannot_tell"] for o in outcomes) / sum(o["letters"] for o in outcomes),
        "seconds_per_series": statistics.mean(o["seconds"] for o in outcomes),
        "null_false_alarms_per_12": None if any(o["null_false_alarms"] is None for o in outcomes)
        else statistics.mean(o["null_false_alarms"] for o in outcomes),
        "null_max_false_alarms": None if any(o["null_false_alarms"] is None for o in outcomes)
        else max(o["null_false_alarms"] for o in outcomes),
    }


def split_writers(writers: list[Writer], dev: bool) -> list[Writer]:
    """Development and reported series use disjoint writers where the corpus has enough of them (Reuters C50: 50,
    alternate writers in name order, 25 each); RSD's 15 writers (10 fiction, 5 theology) are too few to split, so
    there only the seeds differ."""
    if len(writers) < SPLIT_MIN_WRITERS:
        return writers
    return writers[1::2] if dev else writers[0::2]


def run(
    corpora: dict[str, list[Writer]], lengths: list[int], seeds: int, pool: str, dev: bool = False,
    null: bool = False,
) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for language, all_writers in corpora.items():
        writers = split_writers(all_writers, dev)
        for length in lengths:
            outcomes = []
            for s in range(seeds):
                # --dev: the other series the method was developed on (seeds dev-…-100 onwards), never the table's
                seed = f"dev-{language}-{length}-{100 + s}" if dev else f"{SEED}-{language}-{length}-{s}"
                rng = random.Random(seed)
                outcome = judge_series(build_series(writers, length, rng, pool), language, null)
                outcomes.append(outcome)
                print(
                    f"{language} {length}w seed {s}: lowest={outcome['ranked_lowest']} "
                    f"flagged={outcome['impostors_flagged']}/2 false={outcome['false_alarms']} "
                    f"cannot-tell={outcome['cannot_tell']} null-false={outcome['null_false_alarms']} "
                    f"({outcome['seconds']} s)",
                    file=sys.stderr,
                    flush=True,
                )
            table[f"{language}-{length}"] = {"language": language, "length": length, **summarise(outcomes),
                                             "outcomes": outcomes}  # fmt: skip
    return table


def markdown(table: dict[str, Any], args: argparse.Namespace, wall: float, load: str) -> str:
    lines = [
        SECTION,
        "",
        "Each series: 12 genuine letters of one writer + 2 letters of another writer of the same corpus, placed after "
        f"the first three; a reference pool of 4 other writers × 3 texts (`--pool {args.pool}`); judged by "
        "`casework.verify_series` on a fresh "
        "temporary case (what `leakdesk verify CASE --series S` does). Russian: RSD (fiction and theology subsets, "
        "impostor from the writer's own subset); English: Reuters C50 (articles joined into letters). "
        "Targets: both impostors ranked lowest **and** flagged `different` in ≥ 90% of series; ≤ 1 false alarm per "
        "12 genuine letters.",
        "",
        "| language | words | series | both impostors lowest | both flagged | lowest and flagged | false alarms / 12 "
        "genuine (max) | false alarms / 12, no impostor (max) | cannot tell (letters) | s / series |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in table.values():
        lines.append(
            f"| {row['language']} | {row['length']} | {row['series']} | {row['ranked_lowest']:.0%} | "
            f"{row['both_flagged']:.0%} | {row['ranked_and_flagged']:.0%} | {row['false_alarms_per_12']:.2f} "
            f"({row['max_false_alarms']}) | {_null(row)} | {row['cannot_tell']:.0%} | "
            f"{row['seconds_per_series']:.0f} |"
        )
    lengths = " ".join(str(x) for x in args.lengths)
    lines += [
        "",
        f"Reproduce: `PYTHONPATH=src python benchmarks/authorship_series.py --ru DATA/ru-rsd --en DATA/reuters-c50 "
        f"--seeds {args.seeds} --lengths {lengths} --pool {args.pool}{' --null' if args.null else ''} "
        "--write BENCHMARKS.md` "
        "(DATA = /work/shared/data/authorship; "
        f"seed {SEED}). Whole run {wall / 60:.1f} min on the shared 2-core machine while the other engineers were "
        f"working (load average {load}); the seconds per series are the verification alone and are inflated by "
        "that load.",
        "",
    ]
    return "\n".join(lines)


def _null(row: dict[str, Any]) -> str:
    if row["null_false_alarms_per_12"] is None:
        return "not run"
    return f"{row['null_false_alarms_per_12']:.2f} ({row['null_max_false_alarms']})"


def write_section(path: Path, text: str) -> None:
    doc = path.read_text("utf-8") if path.exists() else ""
    start = doc.find(SECTION)
    if start >= 0:
        end = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + text + ("" if end < 0 else doc[end + 1 :])
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    path.write_text(doc, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ru", type=Path, help="the ru-rsd folder (holds fiction-19c-first-half/, theology/)")
    parser.add_argument("--en", type=Path, help="the reuters-c50 folder (holds C50train/, C50test/)")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--lengths", type=int, nargs="+", default=[300, 600])
    parser.add_argument(
        "--pool",
        choices=["same-group", "any"],
        default="same-group",
        help="reference writers from the series writer's own subset first (default), or from any",
    )
    parser.add_argument("--dev", action="store_true", help="the development series (other seeds), not the table's")
    parser.add_argument("--null", action="store_true",
                        help="also judge each series' 12 genuine letters alone (false alarms with no impostor)")
    parser.add_argument("--write", type=Path, help="replace (or add) this benchmark's section of BENCHMARKS.md")
    parser.add_argument("--json", type=Path, help="also write every series' outcome as JSON")
    args = parser.parse_args(argv)
    corpora: dict[str, list[Writer]] = {}
    if args.ru:
        corpora["ru"] = rsd_writers(args.ru)
    if args.en:
        corpora["en"] = reuters_writers(args.en)
    if not corpora or any(not w for w in corpora.values()):
        parser.error("give --ru and/or --en folders holding the corpora")
    t0 = time.perf_counter()
    table = run(corpora, args.lengths, args.seeds, args.pool, args.dev, args.null)
    wall = time.perf_counter() - t0
    load = " / ".join(f"{x:.1f}" for x in __import__("os").getloadavg())
    text = markdown(table, args, wall, load)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(table, indent=1, default=str), "utf-8")
    if args.write:
        write_section(args.write, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
