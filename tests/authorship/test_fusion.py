"""Fusion, c@1 band and the case calibration, on numbers chosen by hand."""

import numpy as np
import pytest

from leakdesk.authorship.calibration import method_votes, probability, vote_reasons
from leakdesk.authorship.fusion import Fusion, NonNegativeLogit, apply_band, best_band, c_at_1


def test_c_at_1_credits_unanswered_at_the_accuracy_rate() -> None:
    y = np.array([1, 0, 1, 0])
    assert c_at_1(y, np.array([0.9, 0.1, 0.8, 0.2])) == 1.0
    assert c_at_1(y, np.array([0.1, 0.9, 0.1, 0.9])) == 0.0
    assert c_at_1(y, np.array([0.9, 0.9, 0.1, 0.1])) == 0.5
    # 2 right, 2 unanswered: (2 + 2 * 2 / 4) / 4
    assert c_at_1(y, np.array([0.9, 0.1, 0.5, 0.5])) == pytest.approx(0.75)


def test_band_is_chosen_to_maximise_c_at_1() -> None:
    y = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    p = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.45, 0.55])  # the two near 0.5 are wrong
    low, high = best_band(y, p)
    assert low <= 0.45 and high >= 0.55
    assert c_at_1(y, apply_band(p, low, high)) > c_at_1(y, p)


def test_non_negative_weights() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] - 0.5 * X[:, 1] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    m = NonNegativeLogit(C=1.0).fit(X, y)
    assert m.coef_[0, 0] > 0.5 and m.coef_[0, 1] == 0.0
    assert (m.predict(X) == y).mean() > 0.75


def test_fusion_round_trips_through_numbers_and_clips_outliers() -> None:
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(1, 1, size=(50, 2)), rng.normal(-1, 1, size=(50, 2))]
    y = np.r_[np.ones(50), np.zeros(50)].astype(int)
    f = Fusion().fit(X, y)
    g = Fusion.from_dict(f.to_dict())
    assert np.allclose(f.predict_proba(X), g.predict_proba(X))
    huge = np.array([[1e6, 1e6]])
    assert g.predict_proba(huge)[0, 1] == pytest.approx(g.predict_proba(np.array([g.high_]))[0, 1])
    with pytest.raises(ValueError, match="both kinds"):
        Fusion().fit(X[:10], np.ones(10, dtype=int))


def test_case_votes_resist_impostors_among_the_same_examples() -> None:
    cols = ("gi_minmax", "habits")
    same = np.array([[1.0, 0.0]] * 10 + [[0.05, -5.0]] * 2)  # two impostor letters hide among the "same" letters
    other = np.array([[0.2, -2.0], [0.1, -2.5], [0.3, -1.5], [0.15, -2.2]])
    impostor = method_votes(cols, same, other, np.array([0.05, -5.0]))
    genuine = method_votes(cols, same, other, np.array([1.0, 0.0]))
    assert impostor == {"gi": -3.0, "habits": -3.0}
    assert genuine["gi"] > 0 and genuine["habits"] > 0
    assert probability(impostor) < 0.1 < 0.9 < probability(genuine)
    assert vote_reasons(impostor)[0].startswith("its character and word-form patterns match other writers")


def test_fusion_folds_keep_problems_sharing_a_text_together() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 2))
    y = np.tile([0, 1], 30)
    groups = np.arange(60) // 3  # 20 groups of three problems
    folds = Fusion()._folds(X, y, groups)
    held = np.concatenate([h for _, h in folds])
    assert sorted(held.tolist()) == list(range(60))
    for fit_rows, held_out in folds:
        assert not set(groups[fit_rows].tolist()) & set(groups[held_out].tolist())
    # too few groups of each kind to split five ways: stratified folds, as without groups
    few = Fusion()._folds(X, y, np.arange(60) % 4)
    assert not isinstance(few, list)
    assert Fusion().fit(X, y, np.arange(60) % 4).band_ == Fusion().fit(X, y).band_


def test_fusion_band_from_grouped_folds_is_not_fooled_by_copies() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(20, 3))
    y_base = rng.integers(0, 2, 20)
    y_base[:2] = [0, 1]
    X = np.repeat(base, 5, axis=0) + rng.normal(scale=1e-3, size=(100, 3))  # each problem five times: pure noise
    y = np.repeat(y_base, 5)
    groups = np.repeat(np.arange(20), 5)
    plain = Fusion(C=10.0).fit(X, y)
    grouped = Fusion(C=10.0).fit(X, y, groups)
    # copies in other folds make plain out-of-fold answers look better than they are
    assert c_at_1(y, plain.cv_answers_) > c_at_1(y, grouped.cv_answers_)
