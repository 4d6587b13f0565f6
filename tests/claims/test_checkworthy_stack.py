"""The Session 11 harness of mixes and cuts (benchmarks/checkworthy_stack.py), on small synthetic decisions."""

from pathlib import Path

import numpy as np
from benchmarks.checkworthy_stack import (
    era_standardised,
    estimated_prior,
    own_best_cut,
    prior_shifted,
    run,
    with_neighbours,
)


def synthetic(n_per_era: int = 60, eras: int = 4, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, eras and six noisy decision columns that all lean towards the label."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n_per_era * eras) < 0.3).astype(int)
    era = np.repeat(np.arange(eras), n_per_era)
    parts = (2 * y - 1)[:, None] * rng.uniform(0.5, 1.5, 6) + rng.normal(size=(len(y), 6))
    return y, era, parts


def test_each_era_is_standardised_on_its_own() -> None:
    _, eras, parts = synthetic()
    mixed = parts[:, 0] + 3.0 * eras  # each era shifted
    out = era_standardised(mixed, eras)
    for era in range(4):
        assert abs(np.median(out[eras == era])) < 1e-9
        assert abs(out[eras == era].std() - 1.0) < 1e-9


def test_the_prior_estimate_follows_a_larger_share_of_yes() -> None:
    rng = np.random.default_rng(2)
    trained = 0.25
    y = (rng.random(4000) < 0.5).astype(int)  # the new batch holds twice the training share of Yes
    score = rng.normal(loc=np.where(y == 1, 1.0, -1.0))
    # the probabilities a model calibrated at prior 0.25 gives for these scores (two unit-variance normals)
    probability = 1 / (1 + np.exp(-2 * score) * (1 - trained) / trained)
    assert abs(estimated_prior(probability, trained) - 0.5) < 0.05
    assert abs(estimated_prior(probability[y == 0], trained)) < 0.1


def test_prior_shift_runs_on_every_era() -> None:
    y, eras, parts = synthetic()
    out = prior_shifted(parts.sum(1), y, eras)
    assert out.shape == y.shape and np.isfinite(out).all()


def test_neighbours_are_found_by_consecutive_ids() -> None:
    y, eras, parts = synthetic()
    ids = np.arange(len(y)) * 2  # no sentence has a neighbour: the flags are all 0 and the mix still runs
    out = with_neighbours(parts[:, 0], y, eras, ids)
    assert out.shape == y.shape and np.isfinite(out).all()


def test_the_own_best_cut_bounds_the_cut_chosen_elsewhere(tmp_path: Path) -> None:
    y, eras, parts = synthetic()
    ids = np.asarray([str(i) for i in range(len(y))])
    np.savez(tmp_path / "parts.npz", ids=ids, labels=y, eras=eras, parts=parts[:, :4])
    np.savez(tmp_path / "minilm.npz", ids=ids, parts=parts[:, 4:])
    np.savez(tmp_path / "head.npz", ids=ids, head=parts[:, 4] + 0.1)
    rows = run(tmp_path / "parts.npz", tmp_path / "minilm.npz", {"other head": tmp_path / "head.npz"})
    shipped = rows["six parts stacked (the cw-6 mix)"]
    assert shipped["gain"]["mean"] == 0.0
    assert rows["the same, each era's own best cut (upper bound)"]["f1_mean"] >= shipped["f1_mean"]
    assert "six parts, head averaged with other head" in rows
    assert own_best_cut(parts.sum(1), y, eras)["f1_min"] > 0.5
