"""Session 11's head variants in benchmarks/checkworthy_heads.py: without smoothing or offset they are the product's
TokenHead; an offset that already explains the labels leaves the residual head little to learn."""

from __future__ import annotations

import numpy as np
from benchmarks.checkworthy_heads import ResidualHead, SmoothedHead

from leakdesk.claims.checkworthy_head import TokenHead, TokenStates


def labelled_states(n: int = 120, seed: int = 3) -> tuple[TokenStates, np.ndarray]:
    """Sentences of 2-6 tokens; a Yes sentence has one token pushed along the first axis."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    sentences = []
    for label in y:
        tokens = rng.normal(size=(int(rng.integers(2, 7)), 5)).astype(np.float32)
        tokens[0, 0] += 3.0 * label
        sentences.append(tokens)
    return TokenStates.of(sentences), y


PARAMS = {"hidden": 8, "max_epochs": 6, "patience": 2}


def test_no_smoothing_and_no_offset_is_the_token_head() -> None:
    states, y = labelled_states()
    plain = TokenHead(**PARAMS).fit(states, y).decision_function(states)
    assert np.array_equal(SmoothedHead(0.0, **PARAMS).fit(states, y).decision_function(states), plain)
    zero = ResidualHead(np.zeros(len(y)), **PARAMS).fit(states, y)
    assert zero.offset is None  # fitted, it decides alone
    assert np.allclose(zero.decision_function(states), plain, atol=1e-5)


def test_smoothing_pulls_the_logits_in() -> None:
    states, y = labelled_states()
    params = {**PARAMS, "max_epochs": 30, "patience": 30}
    sharp = TokenHead(**params).fit(states, y).decision_function(states)
    smooth = SmoothedHead(0.2, **params).fit(states, y).decision_function(states)
    assert np.abs(smooth).mean() < np.abs(sharp).mean()


def test_an_offset_that_explains_the_labels_leaves_a_weaker_head() -> None:
    states, y = labelled_states()
    plain = TokenHead(**PARAMS).fit(states, y).decision_function(states)
    residual = ResidualHead(np.where(y == 1, 6.0, -6.0), **PARAMS).fit(states, y).decision_function(states)
    gap = lambda d: d[y == 1].mean() - d[y == 0].mean()  # noqa: E731
    assert gap(residual) < gap(plain)
