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
from collections.abc import Callable

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method, top_vocabulary

SPACE = re.compile(r"\s+")
Grams = Callable[[str, int], Counter[str]]


def char_grams(text: str, n: int) -> Counter[str]:
    """Overlapping character n-grams of `text` with runs of white space read as one space."""
    t = SPACE.sub(" ", text)
    return Counter(t[i : i + n] for i in range(max(0, len(t) - n + 1)))


class _Space:
    """One n-gram length: vocabulary and idf from the pool and known texts; unit vectors per text (memoised)."""

    def __init__(
        self, pool: list[TextProfile], known: list[TextProfile], n: int, size: int, grams: Grams = char_grams
    ) -> None:
        self.n = n
        self.grams = grams
        counts = [grams(t.text, n) for t in pool + known]
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
            grams = self.grams(p.text, self.n)
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
    prefix = "c"  # column names: f"{prefix}{n}_z", f"{prefix}{n}_rank"

    def __init__(self, lengths: tuple[int, ...] = (2, 3, 4, 5), size: int = 5000) -> None:
        self.lengths = lengths
        self.size = size

    @property
    def columns(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"{self.prefix}{n}_{kind}" for n in self.lengths for kind in ("z", "rank"))

    @staticmethod
    def grams(text: str, n: int) -> Counter[str]:
        return char_grams(text, n)

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.tile(np.array([0.0, 0.5] * len(self.lengths)), (len(batch.problems), 1))
        for i in range(len(batch.problems)):
            imps = batch.impostors(i)
            if len(imps) < 2 or not batch.known[i]:
                continue
            lang = batch.languages[i]
            for col, n in enumerate(self.lengths):
                space = batch.space(
                    lang, f"{self.prefix}{n}", lambda pool, known, n=n: _Space(pool, known, n, self.size, self.grams)
                )
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


def _kind(t: str, i: int, n: int) -> str:
    """Sapkota et al. (2015)'s category of the n-gram t[i:i+n]: prefix, suffix, space-prefix, space-suffix,
    beginning/middle/end punctuation, whole word, mid word or multi-word."""
    g = t[i : i + n]
    punct = [not (c.isalnum() or c == " ") for c in g]
    if any(punct):
        return "bp" if punct[0] else "ep" if punct[-1] else "mp"
    if " " in g:
        if g[0] == " " and " " not in g[1:]:
            return "sp"
        if g[-1] == " " and " " not in g[:-1]:
            return "ss"
        return "mw"
    start = i == 0 or not t[i - 1].isalnum()
    end = i + n >= len(t) or not t[i + n].isalnum()
    return "ww" if start and end else "pr" if start else "su" if end else "md"


AFFIX_PUNCT = frozenset({"pr", "su", "sp", "ss", "bp", "mp", "ep"})


def typed_char_grams(text: str, n: int) -> Counter[str]:
    """Character n-grams of the affix and punctuation categories only (Sapkota et al. 2015's best cross-topic
    choice: the word and multi-word categories, which carry topic, are left out), each prefixed by its category."""
    t = SPACE.sub(" ", text)
    out: Counter[str] = Counter()
    for i in range(max(0, len(t) - n + 1)):
        kind = _kind(t, i, n)
        if kind in AFFIX_PUNCT:
            out[kind + ":" + t[i : i + n]] += 1
    return out


class TypedSpectrum(CharSpectrum):
    """The spectrum's scores over typed character n-grams (affix and punctuation categories), lengths 2 and 3:
    `tN_z`, `tN_rank`."""

    prefix = "t"

    def __init__(self, lengths: tuple[int, ...] = (2, 3), size: int = 5000) -> None:
        super().__init__(lengths, size)

    @staticmethod
    def grams(text: str, n: int) -> Counter[str]:
        return typed_char_grams(text, n)
