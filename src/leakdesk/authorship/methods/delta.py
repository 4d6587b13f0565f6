"""Cosine Delta (Smith & Aldridge 2011; Evert et al. 2017): z-scored frequencies of the most frequent function
words and punctuation marks (content words left out, so a shared topic does not count as shared style),
cosine between questioned and known texts, expressed relative to the impostors (how unusual is this closeness?).
"""

from __future__ import annotations

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method, top_vocabulary, vectorize


class _Space:
    def __init__(self, pool: list[TextProfile], known: list[TextProfile], size: int) -> None:
        # The words come from everything the batch may look at; the z-score statistics from the impostor pool only,
        # so that a series' own letters (the known texts) do not become the norm they are compared against.
        self.vocab = top_vocabulary([t.function_counts for t in pool + known], size)
        norm = pool if len(pool) >= 3 else pool + known
        vectors = [vectorize(t.function_counts, self.vocab) for t in norm]
        mat = np.stack(vectors) if vectors else np.zeros((1, len(self.vocab)))
        self.mean = mat.mean(axis=0)
        self.std = np.maximum(mat.std(axis=0), 1e-4)
        self._z: dict[str, np.ndarray] = {}

    def z(self, p: TextProfile) -> np.ndarray:
        found = self._z.get(p.key)
        if found is None:
            found = (vectorize(p.function_counts, self.vocab) - self.mean) / self.std
            self._z[p.key] = found
        return found


class CosineDelta(Method):
    """Scores: cosine similarity of z-profiles; that similarity as a z-score against the impostors."""

    columns = ("delta_cos", "delta_z")
    version = "1"

    def __init__(self, n_words: int = 300) -> None:
        self.n_words = n_words

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.zeros((len(batch.problems), 2))
        for i in range(len(batch.problems)):
            lang = batch.languages[i]
            space = batch.space(lang, "delta", lambda pool, known: _Space(pool, known, self.n_words))
            if not batch.known[i]:
                continue
            u = space.z(batch.unknown[i])
            k = np.mean([space.z(p) for p in batch.known[i]], axis=0)
            cos_uk = _cos(u, k)
            imps = batch.impostors(i)
            if len(imps) >= 2:
                sims = np.array([_cos(u, space.z(p)) for p in imps])
                out[i] = (cos_uk, float(np.clip((cos_uk - sims.mean()) / max(sims.std(), 0.05), -10, 10)))
            else:
                out[i] = (cos_uk, 0.0)
        return out


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
