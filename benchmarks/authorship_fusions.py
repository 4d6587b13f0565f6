"""Fusions, families and "cannot tell" bands compared on saved method scores (`authorship_scores.py`), by the
grouped, nested train-CV of `authorship/selection.py` (problems sharing a text stay in one fold; in each fold the
whole fusion, its C and band, is fitted on the other folds only).

    python benchmarks/authorship_fusions.py SCORES.npz [MORE.npz ...] [--variants ...] [--test]

Every variant first applies the verifier's rule (forward selection of the optional families, each kept when it
gains >= `selection.MARGIN`), then fits the variant's fusion. `--test` also fits each variant on all of TRAIN and
answers TEST once (OOD problems unanswered, as the verifier does): look at it once, at the end, for what is kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from leakdesk.authorship.evaluation import evaluate
from leakdesk.authorship.fusion import Fusion, apply_band, best_band, c_at_1
from leakdesk.authorship.selection import FOLDS, MARGIN, REPEATS, auc_c_at_1

BASE = ("gi_minmax", "gi_cosine", "delta_cos", "delta_z", "ppm_gain", "ppm_gain_reverse", "lambdag", "habits")
FAMILIES = {
    "spectrum": tuple(f"c{n}_{k}" for n in (2, 3, 4, 5) for k in ("z", "rank")),
    "compression": ("cdm_z", "cdm_rank", "cdmx_z", "cdmx_rank"),
    "style_gaps": ("gap_rank", "gap_z"),
    "unmasking": ("unmask_z", "unmask_rank", "unmask_fall"),
    "char_lm": ("lm_z", "lm_rank", "lmx_z", "lmx_rank"),
    "char_lm_masked": ("lmx_z", "lmx_rank"),  # its topic-masked half only
    "distorted": tuple(f"d{n}_{k}" for n in (3, 4, 5, 6) for k in ("z", "rank")),
    "shrunk": ("shrunk_z", "shrunk_rank"),
}

Answerer = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
# (X fit, y fit, groups fit, X held out) -> answers (0.5 = "cannot tell")


class BandFusion(Fusion):
    """The shipped fusion with other ways of choosing its C and "cannot tell" band: on grouped folds (problems
    sharing a text in one fold), on out-of-fold answers pooled over `band_repeats` splits, or over a wider grid."""

    def __init__(self, C: float | str = "auto", cv: int = 5, random_state: int = 0, grouped: bool = False,
                 band_repeats: int = 1, wide: bool = False, grouped_parts: str = "C+band") -> None:  # fmt: skip
        super().__init__(C=C, cv=cv, random_state=random_state)
        self.grouped = grouped
        self.band_repeats = band_repeats
        self.wide = wide
        self.grouped_parts = grouped_parts

    def fit_grouped(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> BandFusion:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y).astype(int)
        self.low_, self.high_ = np.percentile(X, 1, axis=0), np.percentile(X, 99, axis=0)
        X = self._clip(X)
        per_class = min(len(set(groups[y == k].tolist())) for k in (0, 1))
        grouped = self.grouped and per_class >= self.cv

        def splits(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
            if grouped:
                return list(StratifiedGroupKFold(self.cv, shuffle=True, random_state=seed).split(X, y, groups))
            folds = min(self.cv, int(np.bincount(y).min()))
            return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y))

        first = splits(self.random_state)
        self._folds_used_ = first
        plain = list(StratifiedKFold(min(self.cv, int(np.bincount(y).min())), shuffle=True,
                                     random_state=self.random_state).split(X, y))  # fmt: skip
        self.C_ = self._choose_C(X, y, first if "C" in self.grouped_parts else plain)  # type: ignore[arg-type]
        if "band" not in self.grouped_parts:
            first = plain
        self.model_ = self._model().fit(X, y)
        ys, ps = [], []
        for r in range(self.band_repeats):
            p = np.full(len(y), 0.5)
            for fit_rows, held in first if r == 0 else splits(self.random_state + 1000 * r):
                p[held] = self._model().fit(X[fit_rows], y[fit_rows]).predict_proba(X[held])[:, 1]
            ys.append(y)
            ps.append(p)
        yy, pp = np.concatenate(ys), np.concatenate(ps)
        self.band_ = wide_band(yy, pp) if self.wide else best_band(yy, pp)
        self.classes_ = np.array([0, 1])
        return self


def wide_band(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """`fusion.best_band` over 0.15-0.5 x 0.5-0.85 instead of 0.30-0.5 x 0.5-0.70."""
    best = (c_at_1(y, p), 0.5, 0.5)
    for low in np.arange(0.15, 0.501, 0.01):
        for high in np.arange(0.50, 0.851, 0.01):
            score = c_at_1(y, apply_band(p, low, high))
            if score > best[0] + 1e-9:
                best = (score, float(low), float(high))
    return round(best[1], 2), round(best[2], 2)


def disagreement(fusion: Fusion, X: np.ndarray) -> np.ndarray:
    """Spread of a problem's standardised scores across the columns: high when methods contradict each other."""
    scaler = fusion.model_[0]
    return np.std((fusion._clip(X) - scaler.mean_) / scaler.scale_, axis=1)


def disagree_answers(grouped: bool = False) -> Answerer:
    """The fusion's band plus "cannot tell" wherever the methods disagree more than a spread chosen, with the band,
    on the fusion's own out-of-fold answers (c@1)."""

    def answer(X: np.ndarray, y: np.ndarray, groups: np.ndarray, X_held: np.ndarray) -> np.ndarray:
        fusion = BandFusion(grouped=grouped).fit_grouped(X, y, groups)
        Xc = fusion._clip(X)
        p = np.full(len(y), 0.5)
        d = np.zeros(len(y))
        folds = fusion._folds_used_
        for fit_rows, held in folds:
            inner = fusion._model().fit(Xc[fit_rows], y[fit_rows])
            p[held] = inner.predict_proba(Xc[held])[:, 1]
            scaler = inner[0]
            d[held] = np.std((Xc[held] - scaler.mean_) / scaler.scale_, axis=1)
        best = (c_at_1(y, apply_band(p, *fusion.band_)), np.inf, fusion.band_)
        for q in (0.98, 0.95, 0.9, 0.85, 0.8):
            t = float(np.quantile(d, q))
            pp = np.where(d > t, 0.5, p)
            band = best_band(y, pp)
            score = c_at_1(y, apply_band(pp, *band))
            if score > best[0] + 1e-9:
                best = (score, t, band)
        _, t, band = best
        out = apply_band(fusion.predict_proba(X_held)[:, 1], *band)
        return np.where(disagreement(fusion, X_held) > t, 0.5, out)

    return answer


def inner_answers(X: np.ndarray, y: np.ndarray) -> tuple[Fusion, np.ndarray]:
    """The shipped fusion fitted on (X, y) and its own out-of-fold probabilities (the folds `Fusion.fit` uses)."""
    fusion = Fusion().fit(X, y)
    Xc = fusion._clip(X)
    folds = fusion._folds(Xc, y, None)
    p = np.full(len(y), 0.5)
    for fit_rows, held in folds.split(Xc, y) if folds is not None else []:
        p[held] = fusion._model().fit(Xc[fit_rows], y[fit_rows]).predict_proba(Xc[held])[:, 1]
    return fusion, p


def symmetric_band(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """One width w, band [0.5 - w, 0.5 + w], by c@1 (fewer choices than `best_band`'s two ends)."""
    best = (c_at_1(y, p), 0.0)
    for w in np.arange(0.01, 0.201, 0.01):
        score = c_at_1(y, apply_band(p, 0.5 - w, 0.5 + w))
        if score > best[0] + 1e-9:
            best = (score, float(w))
    return round(0.5 - best[1], 2), round(0.5 + best[1], 2)


def smoothed_band(y: np.ndarray, p: np.ndarray, draws: int = 60) -> tuple[float, float]:
    """`best_band`'s grid, judged by the mean c@1 over bootstrap draws of the problems (a smoother optimum)."""
    rng = np.random.default_rng(0)
    rows = [rng.integers(0, len(y), len(y)) for _ in range(draws)]
    best = (-1.0, 0.5, 0.5)
    for low in np.arange(0.30, 0.501, 0.01):
        for high in np.arange(0.50, 0.701, 0.01):
            a = apply_band(p, low, high)
            score = float(np.mean([c_at_1(y[r], a[r]) for r in rows]))
            if score > best[0] + 1e-9:
                best = (score, float(low), float(high))
    return round(best[1], 2), round(best[2], 2)


def band_answers(kind: str) -> Answerer:
    """The shipped fusion with another "cannot tell" rule, chosen on its own out-of-fold answers: "none" (no band),
    "symmetric", "smoothed", or "length" (half-width w * sqrt(median length / length): a short problem abstains over
    a wider band; the last column of X is the problem's length in words and is not fused)."""

    def answer(X: np.ndarray, y: np.ndarray, groups: np.ndarray, X_held: np.ndarray) -> np.ndarray:
        if kind == "length":
            X, length, X_held, length_held = X[:, :-1], X[:, -1], X_held[:, :-1], X_held[:, -1]
        fusion, p = inner_answers(X, y)
        p_held = fusion.predict_proba(X_held)[:, 1]
        if kind == "none":
            return p_held
        if kind == "symmetric":
            return apply_band(p_held, *symmetric_band(y, p))
        if kind == "smoothed":
            return apply_band(p_held, *smoothed_band(y, p))
        median = float(np.median(length))
        best = (c_at_1(y, p), 0.0)
        for w in np.arange(0.01, 0.201, 0.01):
            half = w * np.sqrt(median / np.maximum(length, 1))
            score = c_at_1(y, np.where(np.abs(p - 0.5) <= half, 0.5, p))
            if score > best[0] + 1e-9:
                best = (score, float(w))
        half_held = best[1] * np.sqrt(median / np.maximum(length_held, 1))
        return np.where(np.abs(p_held - 0.5) <= half_held, 0.5, p_held)

    return answer


def band_headroom(X: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int = 0) -> dict[str, object]:
    """How far the shipped band is from the best band for the same out-of-fold answers: per repeat of the grouped
    CV, AUC·c@1 with each fold's own band (shipped), with no band, and with the one band best for all the pooled
    out-of-fold probabilities (chosen on the answers it scores, so an upper bound, not a method)."""
    rows = []
    for repeat in range(REPEATS):
        p, shipped, bands = np.full(len(y), 0.5), np.full(len(y), 0.5), []
        for fit_rows, held in StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed + repeat).split(X, y, groups):
            fusion = Fusion().fit(X[fit_rows], y[fit_rows])
            p[held] = fusion.predict_proba(X[held])[:, 1]
            shipped[held] = apply_band(p[held], *fusion.band_)
            bands.append(list(fusion.band_))
        best = best_band(y, p)
        rows.append({"shipped": auc_c_at_1(y, shipped), "no_band": auc_c_at_1(y, p),
                     "best_band": auc_c_at_1(y, apply_band(p, *best)), "best": list(best), "fold_bands": bands,
                     "answered_shipped": float(np.mean(shipped != 0.5)),
                     "answered_best": float(np.mean(apply_band(p, *best) != 0.5))})  # fmt: skip
    keys = ("shipped", "no_band", "best_band", "answered_shipped", "answered_best")
    out: dict[str, object] = {k: round(float(np.mean([r[k] for r in rows])), 3) for k in keys}  # type: ignore[arg-type]
    out["repeats"] = rows
    return out


def fusion_answers(**fusion_args: object) -> Answerer:
    def answer(X: np.ndarray, y: np.ndarray, groups: np.ndarray, X_held: np.ndarray) -> np.ndarray:
        if fusion_args:
            fusion: Fusion = BandFusion(**fusion_args).fit_grouped(X, y, groups)  # type: ignore[arg-type]
        else:
            fusion = Fusion().fit(X, y)
        return apply_band(fusion.predict_proba(X_held)[:, 1], *fusion.band_)

    return answer


def grouped_cv(X: np.ndarray, y: np.ndarray, groups: np.ndarray, answer: Answerer, seed: int = 0) -> float:
    """`selection.grouped_cv_score` for any answerer."""
    per_class = [len(set(groups[y == k].tolist())) for k in (0, 1)]
    if min(per_class) < FOLDS:
        return float("nan")
    scores = []
    for repeat in range(REPEATS):
        answers = np.full(len(y), 0.5)
        for fit_rows, held in StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed + repeat).split(X, y, groups):
            if len(set(y[fit_rows].tolist())) < 2:
                continue
            answers[held] = answer(X[fit_rows], y[fit_rows], groups[fit_rows], X[held])
        scores.append(auc_c_at_1(y, answers))
    return float(np.mean(scores))


def clean(X: np.ndarray) -> np.ndarray:
    """As `AuthorshipVerifier.fit`: non-finite scores become the column's mean."""
    means = np.nanmean(np.where(np.isfinite(X), X, np.nan), axis=0)
    return np.nan_to_num(np.where(np.isfinite(X), X, means))


def choose(columns: list[str], X: np.ndarray, y: np.ndarray, groups: np.ndarray, families: list[str],
           answer: Answerer, tail: tuple[str, ...] = ()
           ) -> tuple[list[str], dict[str, tuple[float, float]]]:  # fmt: skip
    """The verifier's forward-selection rule over `families` (those whose columns are present); `tail` columns
    (side information such as `n_words`, not fused) are handed to the answerer last, after the kept columns."""
    end = [columns.index(c) for c in tail]
    kept = [c for c in BASE if c in columns]
    waiting = [f for f in families if all(c in columns for c in FAMILIES[f])]
    figures: dict[str, tuple[float, float]] = {}
    while waiting:
        trials = {}
        for name in waiting:
            base = [columns.index(c) for c in kept]
            extra = [columns.index(c) for c in FAMILIES[name]]
            without = grouped_cv(X[:, base + end], y, groups, answer)
            with_family = grouped_cv(X[:, base + extra + end], y, groups, answer)
            trials[name] = (without, with_family)
            figures[name] = trials[name]
        best = max(waiting, key=lambda n: trials[n][1])
        without, with_best = trials[best]
        if not (np.isfinite(without) and np.isfinite(with_best) and with_best >= without + MARGIN):
            break
        kept += list(FAMILIES[best])
        waiting.remove(best)
    return kept, figures


TAILS = {"length-band": ("n_words",)}  # side columns a variant's answerer needs (from `--methods lengths`)
VARIANTS: dict[str, tuple[list[str], Answerer]] = {
    "rule": (["spectrum", "compression", "style_gaps"], fusion_answers()),
    "rule+unmasking": (["spectrum", "compression", "style_gaps", "unmasking"], fusion_answers()),
    "grouped-band": (["spectrum", "compression", "style_gaps"], fusion_answers(grouped=True)),
    "pooled-band": (["spectrum", "compression", "style_gaps"], fusion_answers(band_repeats=3)),
    "wide-band": (["spectrum", "compression", "style_gaps"], fusion_answers(wide=True)),
    "grouped-pooled-band": (["spectrum", "compression", "style_gaps"], fusion_answers(grouped=True, band_repeats=3)),
    "grouped-C-only": (["spectrum", "compression", "style_gaps"], fusion_answers(grouped=True, grouped_parts="C")),
    "grouped-band-only": (["spectrum", "compression", "style_gaps"],
                          fusion_answers(grouped=True, grouped_parts="band")),  # fmt: skip
    "disagree-band": (["spectrum", "compression", "style_gaps"], disagree_answers()),
    "grouped-disagree-band": (["spectrum", "compression", "style_gaps"], disagree_answers(grouped=True)),
    "grouped-wide-band": (["spectrum", "compression", "style_gaps"], fusion_answers(grouped=True, wide=True)),
    "rule+char_lm": (["spectrum", "compression", "style_gaps", "char_lm"], fusion_answers()),
    "rule+char_lm_masked": (["spectrum", "compression", "style_gaps", "char_lm_masked"], fusion_answers()),
    "rule+distorted": (["spectrum", "compression", "style_gaps", "distorted"], fusion_answers()),
    "rule+shrunk": (["spectrum", "compression", "style_gaps", "shrunk"], fusion_answers()),
    "no-band": (["spectrum", "compression", "style_gaps"], band_answers("none")),
    "symmetric-band": (["spectrum", "compression", "style_gaps"], band_answers("symmetric")),
    "smoothed-band": (["spectrum", "compression", "style_gaps"], band_answers("smoothed")),
    "length-band": (["spectrum", "compression", "style_gaps"], band_answers("length")),
    "grouped-band+unmasking": (["spectrum", "compression", "style_gaps", "unmasking"], fusion_answers(grouped=True)),
}


def load(path: Path) -> dict[str, np.ndarray]:
    data = dict(np.load(path, allow_pickle=False))
    data["columns"] = np.asarray([str(c) for c in data["columns"]])
    return data


def merged(paths: list[Path]) -> dict[str, np.ndarray]:
    """Several score files of one corpus (e.g. the five methods and a new family) side by side."""
    parts = [load(p) for p in paths]
    out = dict(parts[0])
    for part in parts[1:]:
        for key in ("X_train", "X_test"):
            out[key] = np.hstack([out[key], part[key]])
        out["columns"] = np.concatenate([out["columns"], part["columns"]])
        out["ood_test"] = out["ood_test"] | part["ood_test"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scores", type=Path, nargs="+", help="score files of ONE corpus")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--test", action="store_true", help="also answer TEST once (only at the end)")
    parser.add_argument("--band-headroom", action="store_true",
                        help="per variant: the shipped band against no band and the best band")  # fmt: skip
    args = parser.parse_args(argv)
    data = merged(args.scores)
    columns = list(data["columns"])
    X, y, groups = clean(data["X_train"]), data["y_train"].astype(int), data["groups_train"]
    report: dict[str, object] = {"scores": [p.name for p in args.scores]}
    for name in args.variants:
        families, answer = VARIANTS[name]
        tail = TAILS.get(name, ())
        kept, figures = choose(columns, X, y, groups, families, answer, tail)
        idx = [columns.index(c) for c in kept]
        fused = list(idx)
        idx += [columns.index(c) for c in tail]
        row: dict[str, object] = {
            "kept": sorted({f for f, cols in FAMILIES.items() if f in families and cols[0] in kept}),
            "rule": {f: [round(a, 3), round(b, 3)] for f, (a, b) in figures.items()},
            "grouped_cv": round(grouped_cv(X[:, idx], y, groups, answer), 3),
        }
        if args.band_headroom:
            row["band_headroom"] = band_headroom(X[:, fused], y, groups)
        if args.test:
            X_test = data["X_test"][:, idx]
            neutral = X[:, idx].mean(axis=0)  # the verifier's neutral value: the training columns' mean
            X_test = np.where(np.isfinite(X_test), X_test, neutral)
            answers = answer(X[:, idx], y, groups, X_test)
            answers = np.where(data["ood_test"], 0.5, answers)
            s = evaluate(data["y_test"], answers)
            row["test"] = {"auc": round(s.auc, 3), "c_at_1": round(s.c_at_1, 3), "auc_c_at_1": round(s.auc_c_at_1, 3),
                           "answered": int(np.sum(answers != 0.5))}  # fmt: skip
        report[name] = row
        print(name, json.dumps(row), file=sys.stderr)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
