#!/usr/bin/env python3
"""Claim matching across letters: is this the same event told twice? (the timeline's `same_event`).

Usage: PYTHONPATH=src .venv/bin/python benchmarks/claims_matching.py [--split dev|test|all] [--json]

Pairs written for leakdesk (`benchmarks/data/claims-same-event/{dev,test}.json`, fictional): one event told twice
(Russian-Russian, Russian-English with and without the translator's English stored, English-English) against
hard negatives (same person, place, day or sum, another event). Each side becomes a one-sentence letter of a fresh
case (ingested as a file, its English imported as a translation when given), the claims stages run as in
`leakdesk run`, and each pair's two claims go through `same_event`. A side without a claim counts as "not matched".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "claims-same-event"
STAGES = ["entities", "entity-carry", "dates", "claims"]


def load(split: str) -> list[dict[str, Any]]:
    names = ["dev", "test"] if split == "all" else [split]
    return [p for n in names for p in json.loads((DATA / f"{n}.json").read_text("utf-8"))]


def claims_of_pairs(pairs: list[dict[str, Any]], root: Path) -> list[tuple[dict[str, Any] | None, ...]]:
    """Both sides of every pair as letters of one case; returns the (a, b) claims, None where none was made."""
    from leakdesk import pipeline
    from leakdesk.case import Case
    from leakdesk.claims.claims import list_claims
    from leakdesk.intake.ingest import ingest_paths
    from leakdesk.language.human import import_translation
    from leakdesk.store.records import dispatches

    case = Case.init(root / "case")
    letters = {}  # a sentence told in several pairs is one letter (the store keeps one copy of equal files)
    for pair in pairs:
        for key in ("a", "b"):
            letters.setdefault(pair[key]["text"], (f"letter-{len(letters) + 1:03d}", pair[key].get("en")))
    (root / "letters").mkdir()
    for text, (name, _) in letters.items():
        (root / "letters" / f"{name}.txt").write_text(text + "\n", "utf-8")
    ingest_paths(case, sorted((root / "letters").glob("*.txt")), progress=False)
    with case.connect() as conn:
        by_name = {d.filename: d.id for d in dispatches.find(conn)}
    for name, english in letters.values():
        if english:
            path = root / f"{name}.en.txt"
            path.write_text(english + "\n", "utf-8")
            import_translation(case, by_name[f"{name}.txt"], path, "benchmark")
    pipeline.run(case, STAGES)
    first: dict[int, dict[str, Any]] = {}
    for claim in list_claims(case):
        first.setdefault(claim["dispatch_id"], claim)
    case.close()
    return [tuple(first.get(by_name[f"{letters[p[k]['text']][0]}.txt"]) for k in ("a", "b")) for p in pairs]


def score(pairs: list[dict[str, Any]], claims: list[tuple[dict[str, Any] | None, ...]]) -> dict[str, Any]:
    """Precision, recall and F1 of `same_event` on the pairs, overall and by kind of pair."""
    from leakdesk.claims.timeline import meaning_matrix, same_event

    rows = []
    for pair, (a, b) in zip(pairs, claims, strict=True):
        found = None
        if a is not None and b is not None:
            found = same_event(a, b, float(meaning_matrix([a, b])[0, 1]))
        rows.append({"id": pair["id"], "kind": kind_of(pair), "gold": pair["same_event"], "found": found is not None,
                     "by": found and found["by"], "claims": a is not None and b is not None})
    out: dict[str, Any] = {"all": prf(rows)}
    for kind in sorted({r["kind"] for r in rows}):
        out[kind] = prf([r for r in rows if r["kind"] == kind])
    out["errors"] = [f"{r['id']} ({r['kind']}): gold {'same' if r['gold'] else 'different'}, "
                     f"{'matched by ' + r['by'] if r['found'] else 'not matched'}"
                     + ("" if r["claims"] else ", a side has no claim") for r in rows if r["gold"] != r["found"]]
    return out


def kind_of(pair: dict[str, Any]) -> str:
    a, b = pair["a"], pair["b"]
    if a["language"] == b["language"]:
        return f"{a['language']}-{b['language']}"
    return "ru-en, English of the Russian stored" if a.get("en") or b.get("en") else "ru-en, no translation"


def prf(rows: list[dict[str, Any]]) -> dict[str, Any]:
    tp = sum(r["gold"] and r["found"] for r in rows)
    fp = sum(r["found"] and not r["gold"] for r in rows)
    fn = sum(r["gold"] and not r["found"] for r in rows)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"pairs": len(rows), "same": tp + fn, "precision": round(p, 3), "recall": round(r, 3),
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0, "with_both_claims": sum(x["claims"] for x in rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pairs = load(args.split)
    with tempfile.TemporaryDirectory() as tmp:
        claims = claims_of_pairs(pairs, Path(tmp))
    result = {"split": args.split, "load_average": round(os.getloadavg()[0], 1), **score(pairs, claims)}
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(key, value if key != "errors" else "\n  " + "\n  ".join(value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
