"""Validation of check-worthiness on debates the models have not seen (leave-one-era-out), and the settings
chosen from it: each part's weight in the mix (1 / the spread of its unseen-era decision values) and the cut.

ClaimBuster numbers its sentences in debate order, so blocks of 3,500 consecutive ids are eras of debates; each era
is predicted by models trained on the other nine. The F1-optimal cut moves from era to era, so it is reported both at
the balanced cut (0) and at a cut chosen on the other nine eras only. Used by `scripts/train-checkworthy` and
`benchmarks/checkworthy.py`.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from leakdesk.claims.checkworthy import CheckworthyModel, prf

PARAMS: dict[str, Any] = {
    "word_ngrams": 2, "char_ngrams": 5, "C": 2.0, "meaning_C": 1.0, "form_ngrams": 3, "form_C": 1.0
}
ERA = 3500  # consecutive sentence ids per validation group
CUTS = np.linspace(-1.5, 1.5, 121)


def era_of(ids: list[str]) -> np.ndarray:
    """The era (0–9) of each ClaimBuster sentence id."""
    return np.minimum(np.array([int(i) for i in ids]) // ERA, 9)


def unseen_era_decisions(texts: list[str], y: np.ndarray, eras: np.ndarray, vectors: np.ndarray,
                         sentence_forms: list[str]) -> np.ndarray:
    """Rows: sentences; columns: lexical, meaning, form decision values from models that never saw the era."""
    out = np.zeros((len(texts), 3))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        fit_idx, test_idx = np.flatnonzero(~held), np.flatnonzero(held)
        model = CheckworthyModel(**PARAMS).fit([texts[i] for i in fit_idx], y[fit_idx].tolist(), vectors[fit_idx],
                                               [sentence_forms[i] for i in fit_idx])
        held_texts = [texts[i] for i in test_idx]
        out[test_idx, 0] = model.lexical_decision(held_texts)
        out[test_idx, 1] = _present(model.meaning_decision(held_texts, vectors[test_idx]))
        out[test_idx, 2] = _present(model.form_decision(held_texts, [sentence_forms[i] for i in test_idx]))
        print(f"era {era}: fitted without its {len(test_idx)} sentences", file=sys.stderr)
    return out


def _present(decision: np.ndarray | None) -> np.ndarray:
    if decision is None:
        raise ValueError("the validation fits every part of the model; one is missing")
    return decision


def best_cut(y: np.ndarray, mixed: np.ndarray) -> float:
    return float(max(CUTS, key=lambda cut: prf(y.tolist(), (mixed > cut).astype(int).tolist())["f1"]))


def era_scores(y: np.ndarray, eras: np.ndarray, mixed: np.ndarray, cut_by_cv: bool) -> dict[str, object]:
    scores = []
    for era in sorted(set(eras.tolist())):
        held = eras == era
        cut = best_cut(y[~held], mixed[~held]) if cut_by_cv else 0.0
        scores.append(prf(y[held].tolist(), (mixed[held] > cut).astype(int).tolist())["f1"])
    return {"f1_per_era": scores, "f1_mean": round(float(np.mean(scores)), 4), "f1_min": round(min(scores), 4)}


def validate(texts: list[str], labels: list[int], ids: list[str], vectors: np.ndarray,
             sentence_forms: list[str]) -> dict[str, Any]:
    y, eras = np.asarray(labels), era_of(ids)
    parts = unseen_era_decisions(texts, y, eras, vectors, sentence_forms)
    spread = parts.std(axis=0)
    weights = 1.0 / spread
    report: dict[str, Any] = {"groups": len(set(eras.tolist())), "spread": spread.round(4).tolist()}
    for name, mask in (("lexical", (1, 0, 0)), ("meaning", (0, 1, 0)), ("form", (0, 0, 1)),
                       ("lexical+meaning (cw-2)", (1, 1, 0)), ("all three", (1, 1, 1))):
        w = weights * np.asarray(mask)
        mixed = parts @ w / w.sum()
        report[name] = {"cut 0": era_scores(y, eras, mixed, False), "cut by era CV": era_scores(y, eras, mixed, True)}
    mixed = parts @ weights / weights.sum()
    report["weights"] = [round(float(w), 4) for w in weights]
    report["threshold"] = round(best_cut(y, mixed), 4)
    return report
