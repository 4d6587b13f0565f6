"""Validation of check-worthiness on debates the models have not seen (leave-one-era-out), and the settings
chosen from it: which parts are mixed, each part's weight (1 / the spread of its unseen-era decision values) and the
cut. The network over the meaning numbers joins the mix only if it raises the unseen-era mean F1 by more than the
fold noise (the standard error of the per-era gains), so a gain that is luck is not shipped; by the same rule the
parts' weights are learnt from their unseen-era decision values (a logistic model stacked on them) instead of being
1 / spread.

ClaimBuster numbers its sentences in debate order, so blocks of 3,500 consecutive ids are eras of debates; each era
is predicted by models trained on the other nine. The F1-optimal cut moves from era to era, so it is reported both at
the balanced cut (0) and at a cut chosen on the other nine eras only. Used by `scripts/train-checkworthy` and
`benchmarks/checkworthy.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

import numpy as np
from sklearn.linear_model import LogisticRegression

from leakdesk.claims.checkworthy import CheckworthyModel, fit_network, network_decision, prf
from leakdesk.claims.checkworthy_head import TokenHead, TokenStates

PARAMS: dict[str, Any] = {
    "word_ngrams": 2, "char_ngrams": 5, "C": 2.0, "meaning_C": 1.0, "form_ngrams": 3, "form_C": 1.0
}
ERA = 3500  # consecutive sentence ids per validation group
# The token head's settings, as validated in Session 9 (BENCHMARKS.md): early stopping after 3 epochs without gain
HEAD_PARAMS: dict[str, Any] = {"hidden": 256, "alpha": 1e-4, "dropout": 0.1, "max_epochs": 20, "patience": 3}
CUTS = np.linspace(-1.5, 1.5, 121)


def era_of(ids: list[str]) -> np.ndarray:
    """The era (0–9) of each ClaimBuster sentence id."""
    return np.minimum(np.array([int(i) for i in ids]) // ERA, 9)


def unseen_era_decisions(texts: list[str], y: np.ndarray, eras: np.ndarray, vectors: np.ndarray,
                         sentence_forms: list[str]) -> np.ndarray:
    """Rows: sentences; columns: lexical, meaning, form, network decision values from models that never saw the era."""
    out = np.zeros((len(texts), 4))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        fit_idx, test_idx = np.flatnonzero(~held), np.flatnonzero(held)
        model = CheckworthyModel(**PARAMS).fit([texts[i] for i in fit_idx], y[fit_idx].tolist(), vectors[fit_idx],
                                               [sentence_forms[i] for i in fit_idx])
        held_texts = [texts[i] for i in test_idx]
        out[test_idx, 0] = model.lexical_decision(held_texts)
        out[test_idx, 1] = _present(model.meaning_decision(held_texts, vectors[test_idx]))
        out[test_idx, 2] = _present(model.form_decision(held_texts, [sentence_forms[i] for i in test_idx]))
        out[test_idx, 3] = _present(model.mlp_decision(held_texts, vectors[test_idx]))
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


MIXES = (("lexical", (1, 0, 0, 0)), ("meaning", (0, 1, 0, 0)), ("form", (0, 0, 1, 0)), ("network", (0, 0, 0, 1)),
         ("meaning+network", (0, 1, 0, 1)), ("lexical+meaning (cw-2)", (1, 1, 0, 0)), ("all three", (1, 1, 1, 0)),
         ("all four", (1, 1, 1, 1)))


def network_gain(without: list[float], with_network: list[float]) -> dict[str, float | bool]:
    """The per-era gain of adding the network; kept only if its mean exceeds the fold noise (standard error)."""
    gain = np.subtract(with_network, without)
    noise = float(gain.std(ddof=1) / np.sqrt(len(gain))) if len(gain) > 1 else float("inf")
    return {"mean": round(float(gain.mean()), 4), "fold noise": round(noise, 4), "kept": float(gain.mean()) > noise}


def stacked_weights(parts: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each part's weight in the mix, learnt from unseen-era decision values: a class-balanced logistic model over
    the parts divided by their spread. A part that earns a negative weight (it only corrects the others) is dropped
    and the model fitted again, so every weight stays a share of the vote. Returns weights on the raw decisions."""
    spread = parts.std(axis=0)
    spread[spread == 0] = 1.0
    used = list(range(parts.shape[1]))
    while used:
        coef = LogisticRegression(class_weight="balanced", max_iter=2000).fit(parts[:, used] / spread[used], y).coef_
        if (coef >= 0).all():
            weights = np.zeros(parts.shape[1])
            weights[used] = coef.ravel() / spread[used]
            return weights
        used = [u for u, c in zip(used, coef.ravel(), strict=True) if c > 0]
    raise ValueError("no part of the model separates the classes on unseen eras")


def stacked_decisions(parts: np.ndarray, y: np.ndarray, eras: np.ndarray) -> np.ndarray:
    """The stacked mix on unseen eras: each era's weights are learnt on the other nine eras' decision values."""
    mixed = np.zeros(len(y))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        weights = stacked_weights(parts[~held], y[~held])
        mixed[held] = parts[held] @ weights / weights.sum()
    return mixed


def validate(texts: list[str], labels: list[int], ids: list[str], vectors: np.ndarray,
             sentence_forms: list[str], decisions_out: Path | None = None) -> dict[str, Any]:
    """Per-mix unseen-era F1, the weights and the cut; `decisions_out` also keeps the unseen-era decision values
    (an .npz of ids, labels, eras and the four parts) for further study."""
    y, eras = np.asarray(labels), era_of(ids)
    parts = unseen_era_decisions(texts, y, eras, vectors, sentence_forms)
    if decisions_out is not None:
        np.savez(decisions_out, ids=np.asarray(ids), labels=y, eras=eras, parts=parts)
    return choose_mix(parts, y, eras)


def choose_mix(parts: np.ndarray, y: np.ndarray, eras: np.ndarray) -> dict[str, Any]:
    """From the parts' unseen-era decision values: every mix's F1 per era, then the shipped weights and cut. The
    spread-weighted mix (with the network only if it gains more than the fold noise) is replaced by the stacked
    one (`stacked_weights`) only if that gains more than the fold noise over it, at cuts chosen on the other eras."""
    spread = parts.std(axis=0)
    spread[spread == 0] = 1.0
    report: dict[str, Any] = {"groups": len(set(eras.tolist())), "spread": spread.round(4).tolist()}
    for name, mask in MIXES:
        w = np.asarray(mask) / spread
        mixed = parts @ w / w.sum()
        report[name] = {"cut 0": era_scores(y, eras, mixed, False), "cut by era CV": era_scores(y, eras, mixed, True)}
    gain = network_gain(report["all three"]["cut by era CV"]["f1_per_era"],
                        report["all four"]["cut by era CV"]["f1_per_era"])
    report["network gain over all three"] = gain
    with_network = bool(gain["kept"])
    other = network_gain(report["meaning"]["cut 0"]["f1_per_era"], report["meaning+network"]["cut 0"]["f1_per_era"])
    report["network gain over meaning"] = other
    report["other_weights"] = [round(1.0 / float(spread[1]), 4),
                               round(1.0 / float(spread[3]), 4) if other["kept"] else 0.0]
    weights = (1.0 / spread) * np.asarray((1, 1, 1, 1 if with_network else 0))
    stacked = stacked_decisions(parts, y, eras)
    report["stacked"] = {"cut 0": era_scores(y, eras, stacked, False),
                         "cut by era CV": era_scores(y, eras, stacked, True)}
    spread_mix = "all four" if with_network else "all three"
    stacking = network_gain(report[spread_mix]["cut by era CV"]["f1_per_era"],
                            report["stacked"]["cut by era CV"]["f1_per_era"])
    report["stacking gain over " + spread_mix] = stacking
    if stacking["kept"]:
        weights = stacked_weights(parts, y)
    report["mix"] = "stacked" if stacking["kept"] else spread_mix
    mixed = parts @ weights / weights.sum()
    report["weights"] = [round(float(w), 4) for w in weights]
    report["threshold"] = round(best_cut(y, mixed), 4)
    return report


def validate_meaning(labels: list[int], ids: list[str], vectors: np.ndarray) -> dict[str, Any]:
    """The encoder's two models (logistic and network) on unseen eras, alone and mixed: the score other languages
    get. Sets `other_weights`; the network is mixed in only if it beats the meaning model by more than the fold
    noise. Cheap next to `validate`: no n-grams, no tagging."""
    y, eras = np.asarray(labels), era_of(ids)
    parts = np.zeros((len(y), 2))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        meaning = LogisticRegression(C=PARAMS["meaning_C"], max_iter=3000, class_weight="balanced")
        parts[held, 0] = meaning.fit(vectors[~held], y[~held]).decision_function(vectors[held])
        parts[held, 1] = network_decision(fit_network(vectors[~held], y[~held]), vectors[held])
        print(f"era {era}: meaning models fitted without its {int(held.sum())} sentences", file=sys.stderr)
    spread = parts.std(axis=0)
    spread[spread == 0] = 1.0
    report: dict[str, Any] = {"groups": len(set(eras.tolist())), "spread": spread.round(4).tolist()}
    for name, mask in (("meaning", (1, 0)), ("network", (0, 1)), ("meaning+network", (1, 1))):
        w = np.asarray(mask) / spread
        mixed = parts @ w / w.sum()
        report[name] = {"cut 0": era_scores(y, eras, mixed, False), "cut by era CV": era_scores(y, eras, mixed, True)}
    gain = network_gain(report["meaning"]["cut 0"]["f1_per_era"], report["meaning+network"]["cut 0"]["f1_per_era"])
    report["network gain over meaning"] = gain
    weights = (1.0 / spread) * np.asarray((1, 1 if gain["kept"] else 0))
    report["other_weights"] = [round(float(w), 4) for w in weights]
    return report


def unseen_era_encoder_parts(vectors: np.ndarray, y: np.ndarray, eras: np.ndarray, C: float = 1.0) -> np.ndarray:
    """Two columns of unseen-era decision values over another encoder's vectors: a class-balanced logistic model
    and the network of `fit_network`, each era predicted by models fitted on the other nine."""
    out = np.zeros((len(y), 2))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(vectors[~held], y[~held])
        out[held, 0] = model.decision_function(vectors[held])
        out[held, 1] = network_decision(fit_network(vectors[~held], y[~held]), vectors[held])
        print(f"era {era}: encoder parts fitted without its {int(held.sum())} sentences", file=sys.stderr)
    return out


def extra_parts_gain(parts: np.ndarray, extra: np.ndarray, y: np.ndarray, eras: np.ndarray,
                     names: tuple[str, ...] = ("extra logistic", "extra network")) -> dict[str, Any]:
    """Does a new part earn its place? Each extra column alone, then the stacked mix of the shipped parts with
    and without the extra columns (weights learnt on the other eras, cut chosen on the other eras), and the
    per-era gain against its fold noise — the rule by which a part is shipped."""
    report: dict[str, Any] = {}
    for column, name in enumerate(names):
        report[name] = era_scores(y, eras, extra[:, column], True)
    without = era_scores(y, eras, stacked_decisions(parts, y, eras), True)
    with_extra = era_scores(y, eras, stacked_decisions(np.column_stack([parts, extra]), y, eras), True)
    report["stacked, shipped parts"] = without
    report["stacked, shipped parts + extra"] = with_extra
    report["gain"] = network_gain(cast(list[float], without["f1_per_era"]),
                                  cast(list[float], with_extra["f1_per_era"]))
    return report


def unseen_era_minilm_parts(states: TokenStates, y: np.ndarray, eras: np.ndarray,
                            head_params: dict[str, Any] | None = None) -> np.ndarray:
    """Two columns of unseen-era decision values over MiniLM's token states: the token head (`TokenHead`) and the
    network of `fit_network` on the mean-pooled vector, each era predicted by parts fitted on the other nine."""
    out = np.zeros((len(y), 2))
    pooled = states.mean_pooled()
    for era in sorted(set(eras.tolist())):
        held = eras == era
        head = TokenHead(**(HEAD_PARAMS if head_params is None else head_params)).fit(
            states.subset(np.flatnonzero(~held)), y[~held].tolist())
        out[held, 0] = head.decision_function(states.subset(np.flatnonzero(held)))
        out[held, 1] = network_decision(fit_network(pooled[~held], y[~held]), pooled[held])
        print(f"era {era}: MiniLM parts fitted without its {int(held.sum())} sentences ({head.epochs_} epochs)",
              file=sys.stderr)
    return out


def choose_minilm_mix(parts: np.ndarray, minilm_parts: np.ndarray, y: np.ndarray,
                      eras: np.ndarray) -> dict[str, Any]:
    """Whether the MiniLM parts join the English mix (the stacked mix of all six gains more than the fold noise over
    the four parts' stacked mix, at cuts chosen on the other eras) and, if so, the six weights (raw decision values)
    and the cut, learnt on every era's unseen-era decisions."""
    report = extra_parts_gain(parts, minilm_parts, y, eras, ("MiniLM token head", "MiniLM pooled network"))
    report["kept"] = bool(report["gain"]["kept"])
    if report["kept"]:
        six = np.column_stack([parts, minilm_parts])
        weights = stacked_weights(six, y)
        report["minilm_weights"] = [round(float(w), 4) for w in weights]
        report["minilm_threshold"] = round(best_cut(y, six @ weights / weights.sum()), 4)
    return report
