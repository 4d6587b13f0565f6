"""Unmasking (Koppel & Schler 2004; Koppel et al. 2007), in its short-text form (Bevendorff et al. 2019): cut two
texts into chunks, teach a linear classifier to tell the chunks of one from the other, then remove the features it
leans on most, again and again. Texts by one writer differ in a few words (topic, names), so once those are gone
the classifier fails fast; texts by two writers stay apart on many function words, so its accuracy holds up.

Short texts give too few chunks, so chunks are drawn from each text's words with replacement (bootstrap, as
Bevendorff et al. oversample) and the curve is averaged over several draws. The classifier is a ridge
classifier whose leave-one-out accuracy has a closed form, which keeps a curve to a few milliseconds.

The questioned text's curve against the known texts is set against the curves of a few impostors against the
same known texts (the impostors nearest the known texts on word frequencies), so a genre where every pair of
texts is easy or hard to separate does not read as "same writer".
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method


def _chunks(ids: np.ndarray, n_chunks: int, size: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """(n_chunks, dim) relative frequencies of `size` words drawn with replacement from `ids` (-1 = not a feature)."""
    draws = ids[rng.integers(0, len(ids), (n_chunks, size))]
    out = np.zeros((n_chunks, dim + 1))
    rows = np.repeat(np.arange(n_chunks), size)
    np.add.at(out, (rows, np.where(draws.ravel() < 0, dim, draws.ravel())), 1.0)
    return out[:, :dim] / size


def unmasking_curve(a: np.ndarray, b: np.ndarray, steps: int, drop: int, ridge: float = 1.0) -> np.ndarray:
    """Leave-one-out accuracy of a ridge classifier telling rows of `a` from rows of `b`, before and after each of
    `steps` rounds that remove the `drop` heaviest positive and `drop` heaviest negative features."""
    X = np.vstack([a, b])
    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-9)
    y = np.concatenate([np.ones(len(a)), -np.ones(len(b))])
    alive = np.ones(X.shape[1], dtype=bool)
    curve = []
    for _ in range(steps + 1):
        Z = X[:, alive]
        K = Z @ Z.T
        inv = np.linalg.inv(K + ridge * np.eye(len(y)))
        hat = K @ inv
        fitted = hat @ y
        loo = (fitted - np.diag(hat) * y) / np.maximum(1 - np.diag(hat), 1e-9)  # leave-one-out predictions
        curve.append(float(np.mean(np.sign(loo) == y)))
        w = Z.T @ (inv @ y)
        index = np.flatnonzero(alive)
        order = np.argsort(w)
        gone = np.concatenate([order[:drop], order[-drop:]])
        alive[index[gone]] = False
        if alive.sum() < 2 * drop:
            break
    while len(curve) < steps + 1:
        curve.append(curve[-1])
    return np.array(curve)


class Unmasking(Method):
    """Scores `unmask_z` (the questioned curve's mean accuracy below the impostors', in their spread), `unmask_rank`
    (share of impostor curves above it) and `unmask_fall` (how far the questioned curve falls from its start to its
    last third, minus the impostors' mean fall); 0, 0.5 and 0 mean no evidence either way."""

    columns = ("unmask_z", "unmask_rank", "unmask_fall")
    version = "1"

    def __init__(
        self,
        features: int = 100,
        n_chunks: int = 20,
        chunk_words: int = 100,
        steps: int = 12,
        drop: int = 2,
        repeats: int = 3,
        n_impostors: int = 6,
        random_state: int = 0,
    ) -> None:
        self.features = features
        self.n_chunks = n_chunks
        self.chunk_words = chunk_words
        self.steps = steps
        self.drop = drop
        self.repeats = repeats
        self.n_impostors = n_impostors
        self.random_state = random_state

    def _curve(self, known: list[str], other: list[str], seed: int) -> np.ndarray:
        counts = Counter(known) + Counter(other)
        vocab = {w: j for j, (w, _) in enumerate(counts.most_common(self.features))}
        dim = len(vocab)
        if dim < 4 * self.drop:
            return np.full(self.steps + 1, np.nan)
        ka = np.array([vocab.get(w, -1) for w in known])
        ob = np.array([vocab.get(w, -1) for w in other])
        size = max(10, min(self.chunk_words, len(known), len(other)))
        rng = np.random.default_rng(seed)
        curves = [
            unmasking_curve(_chunks(ka, self.n_chunks, size, dim, rng), _chunks(ob, self.n_chunks, size, dim, rng),
                            self.steps, self.drop)  # fmt: skip
            for _ in range(self.repeats)
        ]
        return np.mean(curves, axis=0)

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.tile(np.array([0.0, 0.5, 0.0]), (len(batch.problems), 1))
        for i in range(len(batch.problems)):
            imps = batch.impostors(i)
            if len(imps) < 2 or not batch.known[i] or not batch.unknown[i].n_words:
                continue
            known = [w for p in batch.known[i] for w in _tokens(p)]
            seed = self.random_state + i
            questioned = self._curve(known, _tokens(batch.unknown[i]), seed)
            if not np.isfinite(questioned).all():
                continue
            others = np.array([self._curve(known, _tokens(p), seed + 7919 * (j + 1))
                               for j, p in enumerate(_nearest(batch.known[i], imps, self.n_impostors))])  # fmt: skip
            others = others[np.isfinite(others).all(axis=1)]
            if len(others) < 2:
                continue
            tail = max(1, len(questioned) // 3)
            q_mean, o_means = float(questioned.mean()), others.mean(axis=1)
            out[i, 0] = float(np.clip((o_means.mean() - q_mean) / max(float(o_means.std()), 0.02), -10, 10))
            out[i, 1] = float(np.mean(o_means > q_mean))
            out[i, 2] = _fall(questioned, tail) - float(np.mean([_fall(c, tail) for c in others]))
        return out


def _fall(curve: np.ndarray, tail: int) -> float:
    """How far a curve falls from its start to the mean of its last `tail` points."""
    return float(curve[0] - np.mean(curve[-tail:]))


def _tokens(p: TextProfile) -> list[str]:
    """Words and punctuation, lower-cased: unmasking's features are the most frequent of these."""
    return [t.lower() for t in p.tokens if t.strip()]


def _nearest(known: list[TextProfile], pool: list[TextProfile], n: int) -> list[TextProfile]:
    """The `n` impostors whose word frequencies lie closest (cosine) to the known texts'."""
    centre: Counter[str] = Counter()
    for p in known:
        centre.update(p.word_counts)
    words = [w for w, _ in centre.most_common(300)]
    k = np.array([centre[w] for w in words], dtype=float)
    k /= np.linalg.norm(k) + 1e-12
    sims = []
    for p in pool:
        v = np.array([p.word_counts.get(w, 0) for w in words], dtype=float)
        sims.append(float(v @ k) / (np.linalg.norm(v) + 1e-12))
    order = np.argsort(sims)[::-1][:n]
    return [pool[j] for j in order]
