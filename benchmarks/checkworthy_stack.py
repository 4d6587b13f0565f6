"""Other ways to mix the six check-worthiness parts and to choose the cut, on unseen eras (Session 11).

    .venv/bin/python benchmarks/checkworthy_stack.py PARTS.npz MINILM-PARTS.npz [--extra NAME=HEAD.npz ...] [--json]

PARTS.npz: the four parts' unseen-era decisions (`scripts/train-checkworthy DATA_DIR --decisions-out PARTS.npz`);
MINILM-PARTS.npz: the two MiniLM parts' (`--minilm-states DIR` keeps them as DIR/minilm-parts.npz). Each --extra is a
further token head's unseen-era decisions (an .npz of `ids` and `head`, e.g. from `benchmarks/checkworthy_heads.py
--keep`), tried beside the six parts, in place of the shipped head and averaged with it. Every row is scored as
`checkworthy_cv` scores the shipped mix: the train split's ten eras, each era's weights and cut chosen on the other
nine, F1 of Yes, and the per-era gain over the shipped six-part stack against its fold noise. The row "each era's own
best cut" chooses the cut on the held era's labels: an upper bound for any threshold rule, not a candidate. No text is
read: the decisions are all it needs (seconds).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import logit
from sklearn.linear_model import LogisticRegression

from leakdesk.claims.checkworthy import prf
from leakdesk.claims.checkworthy_cv import best_cut, era_scores, network_gain, stacked_decisions

Mixer = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def by_era(fit_and_decide: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Mixer:
    """A mixer that fits on the other eras' rows and decides the held era's (`fit_and_decide(train, held)`)."""
    def mix(parts: np.ndarray, y: np.ndarray, eras: np.ndarray) -> np.ndarray:
        out = np.zeros(len(y))
        for era in sorted(set(eras.tolist())):
            held = eras == era
            out[held] = fit_and_decide(np.flatnonzero(~held), np.flatnonzero(held))
        return out
    return mix


def logistic_stack(parts: np.ndarray, y: np.ndarray, eras: np.ndarray, balance: str = "class") -> np.ndarray:
    """A logistic stack that keeps negative weights; `balance` "class", "none" or "era" (each era and class alike)."""
    def decide(train: np.ndarray, held: np.ndarray) -> np.ndarray:
        weight = np.ones(len(train))
        if balance == "era":
            for era in set(eras[train].tolist()):
                for label in (0, 1):
                    cell = (eras[train] == era) & (y[train] == label)
                    weight[cell] = 1.0 / max(int(cell.sum()), 1)
            weight *= len(train) / weight.sum()
        model = LogisticRegression(class_weight="balanced" if balance == "class" else None, max_iter=3000)
        return model.fit(parts[train], y[train], sample_weight=weight).decision_function(parts[held])
    return by_era(decide)(parts, y, eras)


def era_standardised(mixed: np.ndarray, eras: np.ndarray) -> np.ndarray:
    """Each era's decisions centred on its own median and divided by its own spread (uses the held era's
    unlabelled decisions: a batch rule, not a per-sentence one)."""
    out = mixed.copy()
    for era in sorted(set(eras.tolist())):
        held = eras == era
        out[held] = (mixed[held] - np.median(mixed[held])) / mixed[held].std()
    return out


def estimated_prior(probability: np.ndarray, trained: float, rounds: int = 100) -> float:
    """Saerens' EM: the share of Yes among sentences whose probabilities were calibrated at the prior `trained`."""
    prior = trained
    for _ in range(rounds):
        yes = probability * prior / trained
        prior = float((yes / (yes + (1 - probability) * (1 - prior) / (1 - trained))).mean())
    return prior


def prior_shifted(mixed: np.ndarray, y: np.ndarray, eras: np.ndarray) -> np.ndarray:
    """The stack calibrated on the other eras, the held era's share of Yes estimated from its unlabelled decisions
    (`estimated_prior`), its log-odds moved by the change of prior."""
    out = np.zeros(len(y))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        calibration = LogisticRegression(max_iter=3000).fit(mixed[~held, None], y[~held])
        probability = calibration.predict_proba(mixed[:, None])[:, 1]
        trained = float(y[~held].mean())
        prior = estimated_prior(probability[held], trained)
        log_odds = logit(np.clip(probability, 1e-6, 1 - 1e-6))
        out[~held] = log_odds[~held]  # the other eras keep their calibrated log-odds (their cut is chosen there)
        out[held] = log_odds[held] + logit(prior) - logit(trained)
    return out


def with_neighbours(mixed: np.ndarray, y: np.ndarray, eras: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """A logistic stack over the sentence's mixed decision and those of the sentences just before and after it in
    the debate (ids one apart; 0 and a flag when absent)."""
    position = {int(i): k for k, i in enumerate(ids)}
    columns = [mixed]
    for step in (-1, 1):
        neighbour = np.array([position.get(int(i) + step, -1) for i in ids])
        columns += [np.where(neighbour >= 0, mixed[np.maximum(neighbour, 0)], 0.0), (neighbour >= 0).astype(float)]
    return logistic_stack(np.column_stack(columns), y, eras)


def own_best_cut(mixed: np.ndarray, y: np.ndarray, eras: np.ndarray) -> dict[str, Any]:
    scores = [prf(y[held].tolist(), (mixed[held] > best_cut(y[held], mixed[held])).astype(int).tolist())["f1"]
              for held in (eras == era for era in sorted(set(eras.tolist())))]
    return {"f1_per_era": scores, "f1_mean": round(float(np.mean(scores)), 4), "f1_min": round(min(scores), 4)}


def run(parts_file: Path, minilm_file: Path, extras: dict[str, Path]) -> dict[str, Any]:
    kept, minilm = np.load(parts_file), np.load(minilm_file)
    if list(kept["ids"]) != list(minilm["ids"]):
        raise SystemExit(f"{parts_file} and {minilm_file} hold different sentences.")
    y, eras, ids = kept["labels"], kept["eras"], kept["ids"]
    six = np.column_stack([kept["parts"], minilm["parts"]])
    shipped = stacked_decisions(six, y, eras)
    rows: dict[str, Any] = {"six parts stacked (the cw-6 mix)": era_scores(y, eras, shipped, True),
                            "the same, each era's own best cut (upper bound)": own_best_cut(shipped, y, eras)}
    for balance in ("class", "none", "era"):
        rows[f"logistic stack with negative weights, balanced by {balance}"] = era_scores(
            y, eras, logistic_stack(six, y, eras, balance), True)
    rows["six parts stacked, each era standardised on its own"] = era_scores(y, eras, era_standardised(shipped, eras),
                                                                             True)
    rows["six parts stacked, prior-shift (EM) correction"] = era_scores(y, eras, prior_shifted(shipped, y, eras), True)
    rows["six parts stacked + the neighbouring sentences' mixed decisions"] = era_scores(
        y, eras, with_neighbours(shipped, y, eras, ids), True)
    for name, path in extras.items():
        extra = np.load(path)
        if list(extra["ids"]) != list(ids):
            raise SystemExit(f"{path}: its sentence ids are not those of {parts_file}.")
        head = extra["head"]
        rows[f"{name} alone"] = era_scores(y, eras, head, True)
        rows[f"seven parts (+ {name})"] = era_scores(y, eras, stacked_decisions(np.column_stack([six, head]), y,
                                                                                  eras), True)
        replaced = six.copy()
        replaced[:, 4] = head
        rows[f"six parts, {name} in place of the head"] = era_scores(y, eras, stacked_decisions(replaced, y, eras),
                                                                     True)
        averaged = six.copy()
        averaged[:, 4] = (six[:, 4] + head) / 2
        rows[f"six parts, head averaged with {name}"] = era_scores(y, eras, stacked_decisions(averaged, y, eras), True)
    base = rows["six parts stacked (the cw-6 mix)"]["f1_per_era"]
    for row in rows.values():
        row["gain"] = network_gain(base, row["f1_per_era"])
        row["eras gaining"] = int((np.subtract(row["f1_per_era"], base) > 0).sum())
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", type=Path)
    ap.add_argument("minilm_parts", type=Path)
    ap.add_argument("--extra", action="append", default=[], metavar="NAME=HEAD.npz")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    extras = dict(item.split("=", 1) for item in args.extra)
    rows = run(args.parts, args.minilm_parts, {name: Path(path) for name, path in extras.items()})
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| mix | " + " | ".join(str(e) for e in range(10)) + " | mean / worst | gain (fold noise), eras gaining |")
    print("|---|" + "---:|" * 12)
    for name, r in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in r["f1_per_era"]) +
              f" | {r['f1_mean']:.3f} / {r['f1_min']:.3f} | {r['gain']['mean']:+.3f} ({r['gain']['fold noise']:.3f}), "
              f"{r['eras gaining']} of 10 |")


if __name__ == "__main__":
    main()
