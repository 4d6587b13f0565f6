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

`--bootstrap N` draws N random sets of 48 tune documents (the size of the held-out part) and prints percentiles of
their value F1, and, with `--heideltime-cache FILE` (benchmarks/timex.py's), of leakdesk's lead over HeidelTime on
the same documents: how far a 48-document part may fall from the tune figure by chance alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.model import Timex
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


def bootstrap(docs: list[TimeMLDocument], draws: int, cache: Path | None) -> None:
    """Percentiles of value F1 (and of the lead over HeidelTime) over random 48-document sets of the tune part."""
    heideltime = json.loads(cache.read_text(encoding="utf-8"))["found"] if cache else None
    per_doc = []
    for d in docs:
        ours, _ = score_document(d.timexes, find_timexes(d.text, d.language, d.dct))
        theirs = None
        if heideltime is not None:
            found = [Timex(x["start"], x["end"], x["text"], x["type"], x["value"]) for x in heideltime[d.name]]
            theirs, _ = score_document(d.timexes, found)
        per_doc.append((ours, theirs))
    rng = random.Random(1)

    def f1(counts: list[Counts]) -> float:
        return 2 * sum(c.value_correct for c in counts) / sum(c.system + c.gold for c in counts)

    values, leads = [], []
    for _ in range(draws):
        sample = rng.sample(per_doc, 48)
        values.append(f1([o for o, _ in sample]))
        if heideltime is not None:
            leads.append(values[-1] - f1([t for _, t in sample if t is not None]))
    for label, xs in (("value F1", values), ("leakdesk - HeidelTime, value F1", leads)):
        if xs:
            xs.sort()
            cut = {p: xs[int(p / 100 * len(xs))] for p in (1, 5, 50, 95)}
            print(f"48-document sets of the tune part, {label}: " + ", ".join(f"p{p} {v:.3f}" for p, v in cut.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--by", choices=["fold", "source"], default="fold")
    ap.add_argument("--dump", type=Path, help="write this run's outputs (to compare a later run against)")
    ap.add_argument("--against", type=Path, help="outputs of an earlier run: per-fold value F1 before → after")
    ap.add_argument("--errors", help="comma-separated folds whose value errors are printed, to read")
    ap.add_argument("--bootstrap", type=int, metavar="N", help="N random 48-document sets of the tune part")
    ap.add_argument("--heideltime-cache", type=Path, help="HeidelTime's output kept by benchmarks/timex.py")
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
    if args.bootstrap:
        bootstrap(docs, args.bootstrap, args.heideltime_cache)


if __name__ == "__main__":
    main()
