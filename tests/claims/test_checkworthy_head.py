"""The token-state head: its gradients against finite differences, padding that changes nothing, and learning a
one-token signal that a mean-pooled vector blurs."""

from __future__ import annotations

import numpy as np

from leakdesk.claims.checkworthy_head import TokenHead, TokenStates


def random_states(rng: np.random.Generator, lengths: list[int], width: int = 6) -> TokenStates:
    return TokenStates.of([rng.normal(size=(n, width)).astype(np.float32) for n in lengths])


def test_token_states_pack_pad_and_subset() -> None:
    rng = np.random.default_rng(0)
    states = random_states(rng, [3, 1, 4])
    assert len(states) == 3 and states.lengths().tolist() == [3, 1, 4]
    batch, mask = states.padded(np.array([1, 2]))
    assert batch.shape == (2, 4, 6) and mask.tolist() == [[1, 0, 0, 0], [1, 1, 1, 1]]
    assert np.array_equal(batch[0, 0], states.flat[3]) and not batch[0, 1:].any()
    sub = states.subset(np.array([2, 0]))
    assert sub.lengths().tolist() == [4, 3] and np.array_equal(sub.flat[:4], states.flat[4:])


def test_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(1)
    states = random_states(rng, [3, 5, 2, 4])
    head = TokenHead(hidden=4, alpha=0.01)
    weights = [rng.normal(size=(6, 4)), rng.normal(size=4), rng.normal(size=8), np.array(0.3)]
    batch, mask = states.padded(np.arange(4))
    batch = batch.astype(np.float64)
    y, sample_weight = np.array([1.0, 0, 1, 0]), np.array([1.0, 2, 1, 2])

    def loss(w: list[np.ndarray]) -> float:
        logit, _ = head._forward(batch, mask, w)
        data = (sample_weight * (np.logaddexp(0, logit) - y * logit)).sum() / sample_weight.sum()
        return float(data + 0.005 * ((w[0] ** 2).sum() + (w[2] ** 2).sum()))

    grads = head._gradients(batch, mask, y, sample_weight, weights, None)
    for k, w in enumerate(weights):
        numeric = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            up, down = [x.copy() for x in weights], [x.copy() for x in weights]
            up[k][index] += 1e-6
            down[k][index] -= 1e-6
            numeric[index] = (loss(up) - loss(down)) / 2e-6
        assert np.allclose(grads[k], numeric, atol=1e-6), k


def test_padding_beside_longer_sentences_changes_nothing() -> None:
    rng = np.random.default_rng(2)
    states = random_states(rng, [2, 9, 5, 3] * 20)
    y = rng.integers(0, 2, len(states))
    head = TokenHead(hidden=8, max_epochs=2, batch_size=16).fit(states, y)
    together = head.decision_function(states)
    alone = [head.decision_function(states.subset(np.array([i])))[0] for i in (0, 1, 2)]
    assert np.allclose(together[:3], alone, atol=1e-5)


def test_head_finds_the_one_token_that_decides() -> None:
    """Yes sentences hold one token along a 'claim' direction among 12-20 noise tokens. The mean of the sentence
    dilutes it; the head's max-pooled unit finds it."""
    rng = np.random.default_rng(3)
    width, n = 16, 600
    direction = np.zeros(width, np.float32)
    direction[0] = 6.0
    sentences, labels = [], []
    for i in range(n):
        tokens = rng.normal(size=(int(rng.integers(12, 21)), width)).astype(np.float32)
        if i % 2:
            tokens[int(rng.integers(len(tokens)))] += direction
        sentences.append(tokens)
        labels.append(i % 2)
    states, y = TokenStates.of(sentences), np.array(labels)
    train, test = np.arange(400), np.arange(400, n)
    head = TokenHead(hidden=16, max_epochs=60, patience=8, learning_rate=3e-3, dropout=0.0)
    head.fit(states.subset(train), y[train])
    accuracy = float(((head.decision_function(states.subset(test)) > 0) == y[test]).mean())
    assert accuracy > 0.9


def test_mean_pooled_is_the_unit_mean_of_each_sentences_tokens() -> None:
    rng = np.random.default_rng(4)
    states = TokenStates.of([rng.normal(size=(n, 6)).astype(np.float32) for n in (2, 0, 3, 0)])
    pooled = states.mean_pooled()
    assert pooled.shape == (4, 6) and pooled.dtype == np.float32
    first = states.flat[:2].mean(0)
    assert np.allclose(pooled[0], first / np.linalg.norm(first), atol=1e-6)
    assert not pooled[1].any() and not pooled[3].any()  # no tokens: a zero row, as MiniLM.encode gives
    assert np.allclose(np.linalg.norm(pooled[2]), 1.0)


def test_a_packed_head_decides_as_the_fitted_one() -> None:
    rng = np.random.default_rng(5)
    states = random_states(rng, [2, 3, 4, 2, 5, 3])
    head = TokenHead(hidden=4, max_epochs=3).fit(states, [1, 0, 1, 0, 1, 0])
    again = TokenHead.unpack(head.pack())
    assert again.get_params() == head.get_params() and again.epochs_ == head.epochs_
    assert np.allclose(again.decision_function(states), head.decision_function(states))
