"""Temporal expressions: a rule change judged on 5 folds of the TempEval-3 *tune* part (never the held-out part).

    .venv/bin/python benchmarks/timex_folds.py /work/shared/data/analysis/tempeval3 [--by source] \
        [--dump after.json] [--against before.json] [--errors 0,1,2]

The tune documents (those `scorer.held_out` leaves for tuning) are split into 5 folds by a hash of the file name
(`fold`, a different hash from the held-out split). The held-out documents are dropped before anything is run, so
nothing here prints or stores a held-out figure or error.

A rule change is judged by running the script before it (`--dump before.json`) and after it (`--against
before.json`): the value F1 of each fold before → after, and how many folds gained, stayed and lost. A rule read off
the errors of some folds (`--errors` prints the value errors of the folds given, to read) should also gain, or at
least not lose, on the folds whose errors were not read; a gain only where the errors were read is overfitting.
`--by source` gives the same figures by the documents' source (wsj, apw, nyt, xie, bn for the broadcast
transcripts, ap, sjmn), where the conventions of the annotators differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.scorer import Counts, held_out, same_value, score_document, summarise
from leakdesk.claims.timex.timeml import TimeMLDocument, read_timeml

FOLDS = 5
SOURCES = {"wsj": "wsj", "apw": "apw", "nyt": "nyt", "xie": "xie", "ap9": "ap", "sjmn": "sjmn", "abc": "bn",
           "cnn": "bn", "pri": "bn", "voa": "bn", "ea": "bn", "ed": "bn"}  # fmt: skip


def fold(name: str) -> int:
    """The tune fold of a document: a fixed hash of its file name, independent of the held-out split's."""
    return int(hashlib.sha1(("fold:" + name).encode()).hexdigest(), 16) % FOLDS


def source(name: str) -> str:
    lower = name.lower()
    return next((s for prefix, s in SOURCES.items() if lower.startswith(prefix)), "other")


def tune_documents(data_dir: Path) -> list[TimeMLDocument]:
    files = sorted(p for p in data_dir.rglob("*.tml") if "TBAQ-cleaned" in p.parts and "testpipeline" not in p.parts)
    if not files:
        sys.exit(f"No TempEval-3 TBAQ-cleaned .tml files under {data_dir}; give the tempeval3 folder.")
    return [read_timeml(p) for p in files if not held_out(p.name)]  # the held-out part is never read


def outputs(docs: list[TimeMLDocument]) -> dict[str, list[list[object]]]:
    """Per document: [start, end, text, value, gold value or None, value right] for every system timex."""
    result: dict[str, list[list[object]]] = {}
    for d in docs:
        rows: list[list[object]] = []
        for t in find_timexes(d.text, d.language, d.dct):
            g = next((g for g in d.timexes if t.start < g.end and g.start < t.end), None)
            rows.append([t.start, t.end, t.text, t.value, g.value if g else None, bool(g and same_value(t.value, g.value))])  # noqa: E501
        result[d.name] = rows
    return result


def fold_value_f1(found: dict[str, list[list[object]]], gold: dict[str, int]) -> list[float]:
    f1 = []
    for k in range(FOLDS):
        names = [n for n in found if fold(n) == k]
        right = sum(bool(r[5]) for n in names for r in found[n])
        system = sum(len(found[n]) for n in names)
        total = system + sum(gold[n] for n in names)
        f1.append(2 * right / total if total else 0.0)
    return f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--by", choices=["fold", "source"], default="fold")
    ap.add_argument("--dump", type=Path, help="write this run's outputs (to compare a later run against)")
    ap.add_argument("--against", type=Path, help="outputs of an earlier run: per-fold value F1 before → after")
    ap.add_argument("--errors", help="comma-separated folds whose value errors are printed, to read")
    args = ap.parse_args()
    if not args.data_dir.exists():
        sys.exit(f"{args.data_dir} does not exist: give the TempEval-3 folder (it is not shipped with leakdesk).")
    docs = tune_documents(args.data_dir)
    assert not any(held_out(d.name) for d in docs)
    totals: dict[str, Counts] = defaultdict(Counts)
    errors: list[str] = []
    show = {int(x) for x in args.errors.split(",")} if args.errors else set()
    for d in docs:
        counts, errs = score_document(d.timexes, find_timexes(d.text, d.language, d.dct))
        key = str(fold(d.name)) if args.by == "fold" else source(d.name)
        totals[key].add(counts)
        totals["all"].add(counts)
        if fold(d.name) in show:
            errors += [f"{d.name} (DCT {d.dct}): {e}" for e in errs if e["kind"] == "mismatch"]
    print(f"| tune {args.by} | docs | gold | strict F1 | relaxed F1 | value F1 |")
    print("|---|---:|---:|---:|---:|---:|")
    for key in sorted(totals, key=lambda k: (k == "all", k)):
        n = sum(1 for d in docs if (str(fold(d.name)) if args.by == "fold" else source(d.name)) == key or key == "all")
        s = summarise(totals[key], n)
        print(f"| {key} | {n} | {s.gold} | {s.strict_f1:.4f} | {s.relaxed_f1:.4f} | {s.value_f1:.4f} |")
    found = outputs(docs) if args.dump or args.against else {}
    if args.dump:
        args.dump.write_text(json.dumps(found), encoding="utf-8")
    if args.against:
        before = json.loads(args.against.read_text(encoding="utf-8"))
        gold = {d.name: len(d.timexes) for d in docs}
        old, new = fold_value_f1(before, gold), fold_value_f1(found, gold)
        print("value F1 by fold, before → after:", " ".join(f"{a:.4f}→{b:.4f}" for a, b in zip(old, new, strict=True)))
        gained = sum(b > a + 1e-12 for a, b in zip(old, new, strict=True))
        lost = sum(b < a - 1e-12 for a, b in zip(old, new, strict=True))
        print(f"folds gained {gained}, unchanged {FOLDS - gained - lost}, lost {lost}")
    for line in errors:
        print(line)


if __name__ == "__main__":
    main()
