"""Calibrated fusion of method scores and the "cannot tell" band.

A standardised logistic regression turns the method scores into P(same author). The band [low, high] around 0.5
where the desk answers "cannot tell" is chosen to maximise c@1 (Peñas & Rodrigo 2011) on cross-validated training
probabilities, so it is never tuned on the problems it will answer. Given the training problems' groups (problems
that share a text, `selection.text_groups`), those folds keep each group together, so a held-out problem never has
its own text among the fitted ones and the band is not chosen on answers made too easy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

C_GRID = (0.01, 0.1, 1.0, 10.0)  # from near-equal weights to freely fitted ones


def c_at_1(y: np.ndarray, p: np.ndarray) -> float:
    """c@1: correct answers, plus unanswered ones (p == 0.5) credited at the accuracy rate."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    n = len(y)
    if n == 0:
        return 0.0
    answered = p != 0.5
    nc = float(np.sum(answered & ((p > 0.5).astype(int) == y)))
    nu = float(np.sum(~answered))
    return (nc + nu * nc / n) / n


def apply_band(p: np.ndarray, low: float, high: float) -> np.ndarray:
    """Replace probabilities inside [low, high] by exactly 0.5 ("cannot tell")."""
    out = np.asarray(p, dtype=float).copy()
    out[(out >= low) & (out <= high)] = 0.5
    return out


def best_band(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The band maximising c@1 (ties: the narrower band)."""
    best = (c_at_1(y, p), 0.5, 0.5)
    for low in np.arange(0.30, 0.501, 0.01):
        for high in np.arange(0.50, 0.701, 0.01):
            score = c_at_1(y, apply_band(p, low, high))
            if score > best[0] + 1e-9:
                best = (score, float(low), float(high))
    return round(best[1], 2), round(best[2], 2)


class NonNegativeLogit(BaseEstimator, ClassifierMixin):
    """Logistic regression whose weights cannot go negative (every method score means "more likely the same author"
    when it rises, so a negative weight could only be over-fitting) and are shrunk toward equal weights."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: np.ndarray, y: np.ndarray) -> NonNegativeLogit:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        n, d = X.shape

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = theta[:d], theta[d]
            z = X @ w + b
            p = expit(z)
            eps = 1e-12
            # Shrink toward EQUAL weights (not toward zero): with a few hundred training problems, equal weights
            # on standardised scores generalise better than freely fitted ones; C sets how far data may move them.
            dev = w - w.mean()
            value = -np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + (dev @ dev) / (2 * self.C)
            g = p - y
            grad_w = X.T @ g + (dev - dev.mean()) / self.C
            return value, np.concatenate([grad_w, [g.sum()]])

        res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=[(0, None)] * d + [(None, None)])
        self.coef_ = res.x[:d][None, :]
        self.intercept_ = np.array([res.x[d]])
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = d
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = expit(np.asarray(X, dtype=float) @ self.coef_[0] + self.intercept_[0])
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


class Fusion(BaseEstimator, ClassifierMixin):
    """Non-negative logistic-regression fusion with a c@1 band, fitted only in `fit`."""

    def __init__(self, C: float | str = "auto", cv: int = 5, random_state: int = 0) -> None:
        self.C = C
        self.cv = cv
        self.random_state = random_state

    def _model(self, C: float | None = None):  # type: ignore[no-untyped-def]
        return make_pipeline(StandardScaler(), NonNegativeLogit(C=C if C is not None else self.C_))

    def _choose_C(self, X: np.ndarray, y: np.ndarray, cv: Any) -> float:
        """`C="auto"`: the strongest shrinkage whose cross-validated AUC is within 0.005 of the best."""
        if self.C != "auto":
            return float(self.C)
        if cv is None:
            return C_GRID[0]
        aucs = []
        for C in C_GRID:
            p = cross_val_predict(self._model(C), X, y, cv=cv, method="predict_proba")[:, 1]
            aucs.append(roc_auc_score(y, p))
        best = max(aucs)
        return next(C for C, a in zip(C_GRID, aucs, strict=True) if a >= best - 0.005)

    def _folds(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None) -> Any:
        """The training folds for C and the band: grouped when `groups` has at least `cv` groups of each kind (the
        same test as `selection.grouped_cv_score`), else stratified; None when there are too few problems."""
        if groups is not None:
            groups = np.asarray(groups)
            if min(len(set(groups[y == k].tolist())) for k in (0, 1)) >= self.cv:
                splitter = StratifiedGroupKFold(self.cv, shuffle=True, random_state=self.random_state)
                return list(splitter.split(X, y, groups))
        folds = min(self.cv, int(np.bincount(y).min()))
        return StratifiedKFold(folds, shuffle=True, random_state=self.random_state) if folds >= 2 else None

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> Fusion:
        """Weights on all of `X`; C and the band from out-of-fold answers (folds kept by `groups` when given)."""
        X = np.asarray(X, dtype=float)
        y = np.asarray(y).astype(int)
        if len(set(y.tolist())) < 2:
            raise ValueError("fusion needs training problems of both kinds (same and different author)")
        # Scores far outside what training saw (a tiny reference pool, an odd text) are clipped to the training
        # range, so no single method can push the probability to an extreme on its own.
        self.low_, self.high_ = np.percentile(X, 1, axis=0), np.percentile(X, 99, axis=0)
        X = self._clip(X)
        cv = self._folds(X, y, groups)
        self.C_ = self._choose_C(X, y, cv)
        self.model_ = self._model().fit(X, y)
        if cv is not None:
            p_cv = cross_val_predict(self._model(), X, y, cv=cv, method="predict_proba")[:, 1]
            self.band_ = best_band(y, p_cv)
            self.cv_answers_ = apply_band(p_cv, *self.band_)  # out-of-fold answers on the training problems
        else:
            self.band_ = (0.5, 0.5)
        self.classes_ = np.array([0, 1])
        return self

    def _clip(self, X: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(X, dtype=float), self.low_, self.high_)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(self._clip(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's additive share of the log-odds for one problem (for explanations)."""
        scaler, lr = self.model_[0], self.model_[-1]
        return ((self._clip(x) - scaler.mean_) / scaler.scale_) * lr.coef_[0]

    # ---------------------------------------------------------------- numbers only, for the shipped model
    def to_dict(self) -> dict[str, Any]:
        scaler, lr = self.model_[0], self.model_[-1]
        return {
            "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(),
            "coef": lr.coef_[0].tolist(),
            "intercept": float(lr.intercept_[0]),
            "band": list(self.band_),
            "low": self.low_.tolist(),
            "high": self.high_.tolist(),
            "C": self.C_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fusion:
        fusion = cls(C=data.get("C", 1.0))
        fusion.C_ = float(data.get("C", 1.0))
        scaler = StandardScaler()
        scaler.mean_ = np.array(data["mean"])
        scaler.scale_ = np.array(data["scale"])
        scaler.var_ = scaler.scale_**2
        scaler.n_features_in_ = len(scaler.mean_)
        lr = NonNegativeLogit(C=fusion.C_)
        lr.coef_ = np.array([data["coef"]])
        lr.intercept_ = np.array([data["intercept"]])
        lr.classes_ = np.array([0, 1])
        lr.n_features_in_ = len(scaler.mean_)
        fusion.model_ = make_pipeline(scaler, lr)
        fusion.band_ = tuple(data["band"])
        fusion.low_, fusion.high_ = np.array(data["low"]), np.array(data["high"])
        fusion.classes_ = np.array([0, 1])
        return fusion
