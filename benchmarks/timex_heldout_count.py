"""Temporal expressions: whether a rule change touches the TempEval-3 *held-out* part at all, in counts only.

    PYTHONPATH=src .venv/bin/python benchmarks/timex_heldout_count.py DATA_DIR --dump after.json [--against before.json]

Run it once with the rules before a change (`--dump before.json`, e.g. from a `git archive` copy) and once after
(`--dump after.json --against before.json`). It prints the number of system timexes, of right values (relaxed match,
same value) and of system timexes that differ between the two runs. It prints and stores no text, value or document
name, and the dump holds only offsets and values in document order, so the held-out errors stay unread: the check
says whether a change fired on unseen documents, not where. The held-out figures themselves are for
`benchmarks/timex.py`, scored once at the end of a session.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.scorer import held_out, score_document
from leakdesk.claims.timex.timeml import read_timeml


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--dump", type=Path, required=True, help="where this run's (offsets, value) lists go")
    ap.add_argument("--against", type=Path, help="an earlier run's dump: how many system timexes differ")
    args = ap.parse_args()
    files = sorted(p for p in args.data_dir.rglob("*.tml")
                   if "TBAQ-cleaned" in p.parts and "testpipeline" not in p.parts and held_out(p.name))  # fmt: skip
    if not files:
        sys.exit(f"No held-out TempEval-3 TBAQ-cleaned .tml files under {args.data_dir}; give the tempeval3 folder.")
    found_all: list[list[list[object]]] = []
    right = 0
    for path in files:
        doc = read_timeml(path)
        found = find_timexes(doc.text, doc.language, doc.dct)
        found_all.append(sorted([t.start, t.end, t.value] for t in found))
        right += score_document(doc.timexes, found)[0].value_correct
    args.dump.write_text(json.dumps(found_all), encoding="utf-8")
    print(f"held-out documents {len(files)}, system timexes {sum(map(len, found_all))}, right values {right}")
    if args.against:
        before = json.loads(args.against.read_text(encoding="utf-8"))
        if len(before) != len(found_all):
            sys.exit("The two dumps are of different document sets.")
        differ = sum(len({tuple(x) for x in a} ^ {tuple(x) for x in b}) for a, b in zip(before, found_all, strict=True))
        print(f"system timexes that differ from {args.against.name}: {differ}")


if __name__ == "__main__":
    main()
