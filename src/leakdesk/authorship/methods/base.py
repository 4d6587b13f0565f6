"""What every method shares: a `Batch` (profiles of a list of problems plus same-language impostors) and the
estimator base class. Methods learn nothing from labels; they only turn a problem into a few numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator

from leakdesk.authorship.features import ProfileCache, TextProfile
from leakdesk.authorship.problem import Problem


@dataclass
class Batch:
    """Profiles for a list of problems and, per language, the texts that may serve as impostors."""

    problems: list[Problem]
    languages: list[str]
    known: list[list[TextProfile]]
    unknown: list[TextProfile]
    pools: dict[str, list[TextProfile]]
    cache: ProfileCache
    random_state: int = 0
    max_impostors: int = 40
    _spaces: dict[tuple[str, str], object] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        problems: list[Problem],
        languages: list[str],
        cache: ProfileCache,
        pools: dict[str, list[TextProfile]],
        random_state: int = 0,
        max_impostors: int = 40,
    ) -> Batch:
        known = [[cache.get(t, lang) for t in p.known] for p, lang in zip(problems, languages, strict=True)]
        unknown = [cache.get(p.unknown, lang) for p, lang in zip(problems, languages, strict=True)]
        return cls(problems, languages, known, unknown, pools, cache, random_state, max_impostors)

    def impostors(self, i: int) -> list[TextProfile]:
        """Same-language pool texts that are neither this problem's known texts nor its questioned text."""
        own = {p.key for p in self.known[i]} | {self.unknown[i].key}
        found = [p for p in self.pools.get(self.languages[i], []) if p.key not in own]
        if len(found) > self.max_impostors:
            # A fixed-size random sample per problem: scores then mean the same with a pool of 60 or of 6,000,
            # which keeps the shipped calibration valid for a case's own reference pool.
            rng = np.random.default_rng([self.random_state, i, len(found)])
            found = [found[j] for j in sorted(rng.choice(len(found), self.max_impostors, replace=False))]
        return found

    def space(self, language: str, name: str, build):  # type: ignore[no-untyped-def]
        """A per-language feature space built once per batch: `build(pool, known)` gets the impostor pool and the
        problems' known texts (never a questioned text)."""
        key = (language, name)
        if key not in self._spaces:
            unique: dict[str, TextProfile] = {}
            for ks, lang in zip(self.known, self.languages, strict=True):
                if lang == language:
                    unique.update((p.key, p) for p in ks)
            pool = self.pools.get(language, [])
            pool_keys = {p.key for p in pool}
            known = [p for k, p in unique.items() if k not in pool_keys]
            self._spaces[key] = build(list(pool), known)
        return self._spaces[key]


def top_vocabulary(counters: list[Counter[str]], size: int) -> dict[str, int]:
    total: Counter[str] = Counter()
    for c in counters:
        total.update(c)
    return {g: i for i, (g, _) in enumerate(total.most_common(size))}


def vectorize(counter: Counter[str], vocab: dict[str, int]) -> np.ndarray:
    """Relative frequencies over a vocabulary (float32)."""
    v = np.zeros(len(vocab), dtype=np.float32)
    total = sum(counter.values()) or 1
    for g, c in counter.items():
        j = vocab.get(g)
        if j is not None:
            v[j] = c / total
    return v


class Method(BaseEstimator):
    """A verification method: `score_batch(batch)` gives one row of scores per problem (columns in `columns`)."""

    columns: tuple[str, ...] = ()
    version = "1"

    def fit(self, problems: list[Problem] | None = None, y: object = None) -> Method:
        return self

    def score_batch(self, batch: Batch) -> np.ndarray:
        raise NotImplementedError

    def decision_function(self, problems: list[Problem]) -> np.ndarray:
        """Score problems on their own: each problem's impostors are the other problems' known texts."""
        cache = ProfileCache()
        langs = [p.language for p in problems]
        pools: dict[str, list[TextProfile]] = {}
        for p, lang in zip(problems, langs, strict=True):
            pools.setdefault(lang, []).extend(cache.get(t, lang) for t in p.known)
        scores = self.score_batch(Batch.build(problems, langs, cache, pools))
        return scores[:, 0]
