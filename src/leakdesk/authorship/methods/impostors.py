"""General Impostors (Koppel & Winter 2014; Kestemont et al. 2016): in many random feature subsets, is the questioned
text closer to the known texts than to every sampled impostor? Min-max and cosine similarity, both directions.
"""

from __future__ import annotations

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method, top_vocabulary, vectorize


class _Space:
    """Char 4-grams, typed n-grams and masked-token n-grams; each family sums to one."""

    def __init__(self, texts: list[TextProfile], sizes: tuple[int, int, int]) -> None:
        self.vocabs = [
            top_vocabulary([t.char_grams for t in texts], sizes[0]),
            top_vocabulary([t.typed_grams for t in texts], sizes[1]),
            top_vocabulary([t.masked_grams for t in texts], sizes[2]),
        ]
        self._vectors: dict[str, np.ndarray] = {}

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.vocabs)

    def vector(self, p: TextProfile) -> np.ndarray:
        found = self._vectors.get(p.key)
        if found is None:
            parts = [p.char_grams, p.typed_grams, p.masked_grams]
            found = np.concatenate([vectorize(c, v) for c, v in zip(parts, self.vocabs, strict=True)])
            self._vectors[p.key] = found
        return found


class GeneralImpostors(Method):
    """Scores: share of trials won (min-max), share of trials won (cosine); 0.5 means no evidence either way."""

    columns = ("gi_minmax", "gi_cosine")
    version = "1"

    def __init__(
        self,
        n_iter: int = 100,
        feature_share: float = 0.5,
        n_candidates: int = 20,
        n_blocks: int = 64,
        impostor_share: float = 0.5,
        sizes: tuple[int, int, int] = (3000, 1000, 1000),
        random_state: int = 0,
    ) -> None:
        self.n_iter = n_iter
        self.feature_share = feature_share
        self.n_candidates = n_candidates
        self.n_blocks = n_blocks
        self.impostor_share = impostor_share
        self.sizes = sizes
        self.random_state = random_state

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.full((len(batch.problems), 2), 0.5)
        for i in range(len(batch.problems)):
            lang = batch.languages[i]
            space = batch.space(lang, "gi", lambda pool, known: _Space(pool + known, self.sizes))
            imps = batch.impostors(i)
            if not imps or not batch.known[i]:
                continue
            u = space.vector(batch.unknown[i])
            k = np.mean([space.vector(p) for p in batch.known[i]], axis=0)
            pool = np.stack([space.vector(p) for p in imps])
            out[i] = self._score(u, k, pool, seed=self.random_state + i)
        return out

    def _score(self, u: np.ndarray, k: np.ndarray, pool: np.ndarray, seed: int) -> tuple[float, float]:
        rng = np.random.default_rng(seed)
        centre = (u + k) / 2
        near = np.argsort(-_cos_rows(pool, centre))[: self.n_candidates]
        pool = pool[near]
        # Feature bagging over random blocks of features: each trial keeps a random share of the blocks. Sums per
        # block are computed once, so a trial costs (blocks x texts) instead of (features x texts).
        perm = rng.permutation(u.size)
        bounds = np.linspace(0, u.size, self.n_blocks + 1).astype(int)[:-1]
        masks = (rng.random((self.n_iter, self.n_blocks)) < self.feature_share).astype(np.float64)
        take = rng.random((self.n_iter, len(pool))) < self.impostor_share
        take[np.arange(self.n_iter), rng.integers(0, len(pool), self.n_iter)] = True

        def blocks(m: np.ndarray) -> np.ndarray:
            return np.add.reduceat(m[:, perm].astype(np.float64), bounds, axis=1)

        scores = []
        for sim in (_minmax_trials, _cosine_trials):
            won = 0.0
            for a, b in ((u, k), (k, u)):
                s_all = sim(masks, a, np.vstack([b[None, :], pool]), blocks)
                best = np.where(take, s_all[:, 1:], -np.inf).max(axis=1)
                won += float(np.mean(s_all[:, 0] > best))
            scores.append(won / 2)
        return scores[0], scores[1]


def _cos_rows(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (m @ v) / (np.linalg.norm(m, axis=1) * np.linalg.norm(v) + 1e-12)


def _minmax_trials(masks: np.ndarray, a: np.ndarray, others: np.ndarray, blocks) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(trials, others) min-max (Ruzicka) similarity of `a` with each row of `others` on each feature subset."""
    mins = blocks(np.minimum(others, a[None, :]))
    maxs = blocks(np.maximum(others, a[None, :]))
    return (masks @ mins.T) / (masks @ maxs.T + 1e-12)


def _cosine_trials(masks: np.ndarray, a: np.ndarray, others: np.ndarray, blocks) -> np.ndarray:  # type: ignore[no-untyped-def]
    dots = masks @ blocks(others * a[None, :]).T
    na = masks @ blocks((a * a)[None, :])[0]
    no = masks @ blocks(others * others).T
    return dots / (np.sqrt(na[:, None] * no) + 1e-12)
