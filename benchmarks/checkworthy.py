"""Check-worthiness on unseen debates: lexical, meaning and mixed models, leave-one-era-out and on dev-test.

    .venv/bin/python benchmarks/checkworthy.py DATA_DIR [--json]

DATA_DIR holds CT24_checkworthy_english_{train,dev-test}.tsv (CheckThat! 2024 task 1). ClaimBuster numbers its
sentences in debate order, so blocks of 3,500 consecutive ids are eras of debates: each era is predicted by a model
trained on the other nine. dev-test comes from later debates than any training sentence. Slow: every era fits the
lexical model again (about 1 min each on a quiet 2-core machine) and the encoder reads 23,000 sentences once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from leakdesk.claims.checkworthy import CheckworthyModel, prf, read_checkthat_tsv
from leakdesk.language.encoder import encode

ERA = 3500
MODELS = {
    "lexical only": {"C": 2.0, "meaning": False},
    "meaning only": {"C": 2.0, "meaning": True, "lexical_weight": 0.0},
    "both averaged (shipped)": {"C": 2.0, "meaning": True, "lexical_weight": 0.5},
}


def run(data: Path) -> dict[str, dict[str, float]]:
    train = read_checkthat_tsv(data / "CT24_checkworthy_english_train.tsv")
    devtest = read_checkthat_tsv(data / "CT24_checkworthy_english_dev-test.tsv")
    vectors, devtest_vectors = encode(train.texts), encode(devtest.texts)
    y = np.asarray(train.labels)
    eras = np.minimum(np.array([int(i) for i in train.ids]) // ERA, 9)
    out = {}
    for name, params in MODELS.items():
        scores = []
        for era in sorted(set(eras.tolist())):
            held = eras == era
            fit_idx, test_idx = np.flatnonzero(~held), np.flatnonzero(held)
            model = CheckworthyModel(**params).fit([train.texts[i] for i in fit_idx], y[fit_idx].tolist(),
                                                   vectors[fit_idx])
            pred = model.predict([train.texts[i] for i in test_idx], vectors=vectors[test_idx])
            scores.append(prf(y[test_idx].tolist(), pred.tolist())["f1"])
        model = CheckworthyModel(**params).fit(train.texts, train.labels, vectors)
        devtest_f1 = prf(devtest.labels, model.predict(devtest.texts, vectors=devtest_vectors).tolist())["f1"]
        out[name] = {"era_f1_mean": round(float(np.mean(scores)), 4), "era_f1_worst": round(min(scores), 4),
                     "dev_test_f1_train_only": devtest_f1}
        print(name, json.dumps(out[name]), file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.data)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("| model | leave-one-era-out F1: mean / worst | dev-test F1 (train only) |\n|---|---:|---:|")
    for name, r in result.items():
        print(f"| {name} | {r['era_f1_mean']:.3f} / {r['era_f1_worst']:.3f} | {r['dev_test_f1_train_only']:.3f} |")


if __name__ == "__main__":
    main()
