"""Character n-gram spectrum: for each n-gram length (2 to 5 characters), is the questioned text more similar to the
known texts than the impostors are? Short n-grams carry punctuation and inflection habits, longer ones morphemes
and word pairs; which length tells most differs by language and genre, so each length is its own score and the
fusion learns, on the training problems, how much each length is worth for that corpus.

Similarity: cosine of square-root relative frequencies weighted by inverse document frequency over the batch's
known and reference texts (never a questioned text). The questioned-to-known similarity is set against the
similarities of the questioned text to each impostor and of the known texts to each impostor, both ways round (as
a z-score and as the share of impostors beaten), so a long text or a formulaic genre, where every pair looks alike,
does not read as "same author".
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method, top_vocabulary

SPACE = re.compile(r"\s+")


def char_grams(text: str, n: int) -> Counter[str]:
    """Overlapping character n-grams of `text` with runs of white space read as one space."""
    t = SPACE.sub(" ", text)
    return Counter(t[i : i + n] for i in range(max(0, len(t) - n + 1)))


class _Space:
    """One n-gram length: vocabulary and idf from the pool and known texts; unit vectors per text (memoised)."""

    def __init__(self, pool: list[TextProfile], known: list[TextProfile], n: int, size: int) -> None:
        self.n = n
        counts = [char_grams(t.text, n) for t in pool + known]
        self.vocab = top_vocabulary(counts, size)
        present = np.zeros(len(self.vocab))
        for c in counts:
            for g in c:
                j = self.vocab.get(g)
                if j is not None:
                    present[j] += 1
        self.idf = np.log((len(counts) + 1) / (present + 1))
        self._vectors: dict[str, np.ndarray] = {}

    def vector(self, p: TextProfile) -> np.ndarray:
        found = self._vectors.get(p.key)
        if found is None:
            found = np.zeros(len(self.vocab))
            grams = char_grams(p.text, self.n)
            total = sum(grams.values()) or 1
            for g, c in grams.items():
                j = self.vocab.get(g)
                if j is not None:
                    found[j] = c / total
            found = np.sqrt(found) * self.idf
            found /= np.linalg.norm(found) + 1e-12
            self._vectors[p.key] = found
        return found


class CharSpectrum(Method):
    """Scores per n-gram length n: `cN_z` (z-score of the questioned-known similarity among the impostors') and
    `cN_rank` (share of impostor comparisons it beats); 0 and 0.5 mean no evidence either way."""

    version = "1"

    def __init__(self, lengths: tuple[int, ...] = (2, 3, 4, 5), size: int = 5000) -> None:
        self.lengths = lengths
        self.size = size

    @property
    def columns(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"c{n}_{kind}" for n in self.lengths for kind in ("z", "rank"))

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.tile(np.array([0.0, 0.5] * len(self.lengths)), (len(batch.problems), 1))
        for i in range(len(batch.problems)):
            imps = batch.impostors(i)
            if len(imps) < 2 or not batch.known[i]:
                continue
            lang = batch.languages[i]
            for col, n in enumerate(self.lengths):
                space = batch.space(lang, f"spectrum{n}", lambda pool, known, n=n: _Space(pool, known, n, self.size))
                u = space.vector(batch.unknown[i])
                k = np.mean([space.vector(p) for p in batch.known[i]], axis=0)
                k /= np.linalg.norm(k) + 1e-12
                m = np.stack([space.vector(p) for p in imps])
                s = float(u @ k)
                z, beaten = 0.0, 0.0
                for others in (m @ u, m @ k):  # the questioned text and the known texts, each against the impostors
                    z += (s - float(others.mean())) / max(float(others.std()), 1e-3)
                    beaten += float(np.mean(others < s))
                out[i, 2 * col] = float(np.clip(z / 2, -10, 10))
                out[i, 2 * col + 1] = beaten / 2
        return out
