"""Check-worthiness on unseen debates: lexical, meaning, form and network models, their mixes and the stacked mix.

    .venv/bin/python benchmarks/checkworthy.py DATA_DIR [--json]

DATA_DIR holds CT24_checkworthy_english_train.tsv (CheckThat! 2024 task 1). ClaimBuster numbers its sentences in
debate order, so blocks of 3,500 consecutive ids are eras of debates: each era is predicted by models trained on the
other nine (`leakdesk.claims.checkworthy_cv`). dev-test is not read here: it is scored once, by
`scripts/train-checkworthy`, for the shipped model. Slow: every era fits the models again and the encoder and the
tagger read 22,500 sentences once (683 s, then about 6 min per era, at load average 13 on the shared box).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from leakdesk.claims.checkworthy import read_checkthat_tsv
from leakdesk.claims.checkworthy_cv import validate
from leakdesk.claims.sentence_form import forms
from leakdesk.language.encoder import encode


def run(data: Path) -> dict[str, Any]:
    train = read_checkthat_tsv(data / "CT24_checkworthy_english_train.tsv")
    return validate(train.texts, train.labels, train.ids, encode(train.texts), forms(train.texts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.data)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("| model | unseen eras F1, cut 0: mean / worst | cut chosen on the other eras: mean / worst |")
    print("|---|---:|---:|")
    for name, r in result.items():
        if isinstance(r, dict) and "cut 0" in r:
            a, b = r["cut 0"], r["cut by era CV"]
            print(f"| {name} | {a['f1_mean']:.3f} / {a['f1_min']:.3f} | {b['f1_mean']:.3f} / {b['f1_min']:.3f} |")
    print(f"chosen: {result['mix']}, weights {result['weights']}, cut {result['threshold']}")


if __name__ == "__main__":
    main()
