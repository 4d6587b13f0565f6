"""Choosing an optional method family on the training problems alone, by a rule written down once.

The rule (issue 14): an optional family (today the character spectrum) is kept for a corpus only when grouped,
nested cross-validation on that corpus's TRAINING problems says it raises AUC·c@1 by at least `MARGIN`. Grouped:
problems that share a text (PAN reuses texts across problems) stay in one fold, so a held-out problem never has
its own text among the fitted ones. Nested: in each outer fold the whole fusion (its C, weights and "cannot tell"
band) is fitted on the other folds only, exactly as `Fusion.fit` does, and answers the held-out fold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from leakdesk.authorship.fusion import Fusion, apply_band, c_at_1
from leakdesk.authorship.problem import Problem

MARGIN = 0.02  # the least gain in train-CV AUC·c@1 that justifies more columns (the repeats differ by about 0.01)
REPEATS = 3
FOLDS = 5


def text_groups(problems: Sequence[Problem]) -> np.ndarray:
    """One group number per problem; problems sharing a known or questioned text (after stripping) share it."""
    parent = list(range(len(problems)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, p in enumerate(problems):
        for text in (*p.known, p.unknown):
            digest = hashlib.sha1(text.strip().encode("utf-8", "surrogatepass")).hexdigest()
            if digest in owner:
                parent[root(i)] = root(owner[digest])
            else:
                owner[digest] = i
    return np.array([root(i) for i in range(len(problems))])


def auc_c_at_1(y: np.ndarray, answers: np.ndarray) -> float:
    """AUC (answers of exactly 0.5 take part as 0.5, as PAN scores them) times c@1."""
    from sklearn.metrics import roc_auc_score

    if len(set(np.asarray(y).tolist())) < 2:
        return 0.0
    return float(roc_auc_score(y, answers)) * c_at_1(y, answers)


def grouped_cv_score(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, C: float | str = "auto", random_state: int = 0,
    grouped_folds: bool = False,
) -> float:  # fmt: skip
    """Mean AUC·c@1 of the fusion's out-of-fold answers over `REPEATS` grouped, stratified `FOLDS`-fold splits;
    NaN when the problems are too few (fewer than `FOLDS` groups of each kind) to split. `grouped_folds`: the
    fusion inside each fold also keeps groups together when it chooses its C and band (`Fusion.fit`'s groups)."""
    y = np.asarray(y).astype(int)
    per_class = [len(set(groups[y == k].tolist())) for k in (0, 1)]
    if min(per_class) < FOLDS:
        return float("nan")
    scores = []
    for repeat in range(REPEATS):
        answers = np.full(len(y), 0.5)
        splitter = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=random_state + repeat)
        for fit_rows, held_out in splitter.split(X, y, groups):
            if len(set(y[fit_rows].tolist())) < 2:
                continue
            inner = groups[fit_rows] if grouped_folds else None
            fusion = Fusion(C=C, random_state=random_state).fit(X[fit_rows], y[fit_rows], inner)
            answers[held_out] = apply_band(fusion.predict_proba(X[held_out])[:, 1], *fusion.band_)
        scores.append(auc_c_at_1(y, answers))
    return float(np.mean(scores))


def keep_optional(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, base_columns: int, *, C: float | str = "auto",
    random_state: int = 0, grouped_folds: bool = False,
) -> tuple[bool, float, float]:  # fmt: skip
    """Whether the columns after the first `base_columns` earn their place: (keep, CV without, CV with)."""
    options = {"C": C, "random_state": random_state, "grouped_folds": grouped_folds}
    without = grouped_cv_score(X[:, :base_columns], y, groups, **options)  # type: ignore[arg-type]
    with_optional = grouped_cv_score(X, y, groups, **options)  # type: ignore[arg-type]
    keep = bool(np.isfinite(without) and np.isfinite(with_optional) and with_optional >= without + MARGIN)
    return keep, without, with_optional
