"""Sequential evidence for the series analysis: how well a character model of the *other* letters predicts a letter.

Not a bag of features: each letter is scored by its cross-entropy (bits per character) under a smoothed character
n-gram model of the other letters of the series, set against a model of the reference pool. For letter i (S = the
letters, P = the pool, X(i) = i and its variants):
- alone[i]  = H(i | P) − H(i | S∖X(i))                     (higher: more like the series than like another writer)
- paired[i] = min over letters j of H(i | P) − H(i | S∖(X(i) ∪ X(j)))   (its most helpful letter held out too)
- for a reference text r: alone = H(r | P∖r) − H(r | S), paired = min over j of H(r | P∖r) − H(r | S∖j),
so the pool shows what "another writer" scores, and `consistency.family_llr` turns the two statistics into the same
bounded LLR and separation as the bag-of-features families. The letters' likeness (for the pair step) is how much
letter j helps predict letter i and i helps j, double-centred.

The model is interpolated absolute discounting of order ORDER (Kneser-Ney's discount on plain counts, escaping to
the next lower order in proportion to the distinct characters seen after the context), over the text with runs of
whitespace as one space; the lowest order backs off to a uniform distribution over the characters of all the texts.
Counts are held per text, so the model of any subset is a sum of count vectors (`SeriesModel` builds each left-out set's
model once, so the clean-up of `consistency` can score every letter again without the suspects). Measured in
BENCHMARKS.md (issue 14, "Session 10 (serieslm)"): on 72 held-out series, with the shipped three families, both
impostors lowest and flagged in 51 against 47.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

ORDER = 5
DISCOUNT = 0.75
MAX_LETTERS = 30  # the paired statistic costs a model per two letters: longer series go without this evidence
_SPACES = re.compile(r"\s+")

Tables = list[tuple[np.ndarray, np.ndarray, np.ndarray]]


class CharCounts:
    """Per-text counts of every character n-gram (orders 1..order) of a set of texts, with each n-gram's context."""

    def __init__(self, texts: list[str], order: int = ORDER) -> None:
        self.order = order
        pad = order - 1
        alphabet = sorted(set("".join(texts)))
        index = {c: k + 1 for k, c in enumerate(alphabet)}  # 0: the padding before each text
        self.vocabulary = len(alphabet) + 1
        codes = np.concatenate([np.array([0] * pad + [index[c] for c in t], dtype=np.int64) for t in texts])
        owner = np.concatenate([np.full(pad + len(t), k) for k, t in enumerate(texts)])
        real = np.concatenate([np.r_[np.zeros(pad, bool), np.ones(len(t), bool)] for t in texts])
        grams = [np.zeros(len(codes), dtype=np.int64)]  # grams[k][pos]: id of the k-gram ending at pos
        contexts: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
        for k in range(1, order + 1):
            previous = np.r_[0, grams[k - 1][:-1]]  # the (k-1)-gram ending one character earlier
            uniq, ids = np.unique(previous * (self.vocabulary + 1) + codes, return_inverse=True)
            grams.append(ids.astype(np.int64))
            contexts.append((uniq // (self.vocabulary + 1)).astype(np.int64))
        self.grams, self.contexts = grams, contexts
        self.sizes = [int(g.max()) + 1 for g in grams]
        self.positions = [np.flatnonzero(real & (owner == t)) for t in range(len(texts))]
        self.counts = [  # counts[k][t]: text t's counts of the k-grams
            np.stack([np.bincount(grams[k][p], minlength=self.sizes[k]) for p in self.positions]).astype(np.int32)
            for k in range(order + 1)
        ]

    def sums(self, among: list[int]) -> list[np.ndarray]:
        """Per order, the summed counts of the texts `among`."""
        return [self.counts[k][among].sum(axis=0) for k in range(self.order + 1)]

    def model(self, base: list[np.ndarray], without: list[int]) -> Tables:
        """Count tables of `base` (from `sums`) minus the texts `without`: per order (counts, context counts,
        distinct continuations of each context)."""
        out = []
        for k in range(1, self.order + 1):
            c = base[k] - self.counts[k][without].sum(axis=0) if without else base[k]
            ctx = self.contexts[k]
            out.append((c, np.bincount(ctx, weights=c, minlength=self.sizes[k - 1]),
                        np.bincount(ctx, weights=c > 0, minlength=self.sizes[k - 1])))  # fmt: skip
        return out

    def entropy(self, text: int, tables: Tables) -> float:
        """Cross-entropy of one text under a model, in bits per character."""
        pos = self.positions[text]
        if len(pos) == 0:
            return 0.0
        prob = np.full(len(pos), 1.0 / self.vocabulary)
        for k in range(1, self.order + 1):
            c, ctx_count, distinct = tables[k - 1]
            gram = self.grams[k][pos]
            ctx = self.contexts[k][gram]
            seen, n, d = c[gram].astype(np.float64), ctx_count[ctx], distinct[ctx]
            prob = np.where(n > 0, self.mixed(seen, n, d, prob), prob)
        return float(-np.log2(prob).mean())

    @staticmethod
    def mixed(seen: np.ndarray, n: np.ndarray, distinct: np.ndarray, lower: np.ndarray) -> np.ndarray:
        """One order's probability from its counts (`seen` of the n-gram, `n` of its context, `distinct`
        continuations) and the next lower order's: absolute discounting, escaping in proportion to `distinct`."""
        safe = np.maximum(n, 1.0)
        return np.maximum(seen - DISCOUNT, 0.0) / safe + DISCOUNT * distinct / safe * lower


def plain(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


class SeriesModel:
    """The character counts of one series and its pool, scored under any set of letters left out of each text's model
    of the series (each left-out set's model built once). The pool's entropies do not depend on the set."""

    def __init__(self, texts: list[str], n: int, model: Callable[[list[str]], CharCounts] = CharCounts) -> None:
        self.counts = model([plain(t) for t in texts])
        self.n, self.total = n, len(texts)
        c = self.counts
        self.on_series = c.sums(list(range(n)))
        on_pool = c.sums(list(range(n, self.total)))
        pool_model = c.model(on_pool, [])
        self.h_pool = np.array([c.entropy(i, pool_model) for i in range(n)]
                               + [c.entropy(r, c.model(on_pool, [r])) for r in range(n, self.total)])  # fmt: skip
        self._memo: dict[frozenset[int], dict[int, float]] = {}

    def entropy(self, text: int, without: frozenset[int]) -> float:
        """H(text | the letters of the series except `without`), in bits per character."""
        found = self._memo.setdefault(without, {})
        if text not in found:
            found[text] = self.counts.entropy(text, self.counts.model(self.on_series, sorted(without)))
        return found[text]

    def statistics(
        self, excluded: np.ndarray, left_out: frozenset[int] = frozenset()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(alone, paired) for every text (letters first, then the references) and the letters' raw help matrix.
        `excluded[i, j]`: letter j is i itself or a variant of it; `left_out`: letters out of every text's model of
        the series (the clean-up's suspects), each letter's own included."""
        n, total = self.n, self.total
        variants = [frozenset(np.flatnonzero(excluded[i]).tolist()) | {i} for i in range(n)]
        own = [variants[x] | left_out if x < n else left_out for x in range(total)]
        alone, paired = np.zeros(total), np.zeros(total)
        helps = np.zeros((n, n))
        for x in range(total):
            alone[x] = self.h_pool[x] - self.entropy(x, own[x])
            values = []
            for j in (j for j in range(n) if j not in own[x]):
                if x >= n:  # a reference text: the series without letter j
                    values.append(self.h_pool[x] - self.entropy(x, own[x] | {j}))
                elif x in variants[j]:  # j keeps x out of its own model: no pair to hold out
                    values.append(alone[x])
                else:
                    h = self.entropy(x, own[x] | variants[j])
                    helps[x, j] = h - self.entropy(x, own[x])
                    values.append(self.h_pool[x] - h)
            paired[x] = min(values, default=alone[x])
        return alone, paired, helps + helps.T


def sequential_statistics(
    texts: list[str], n: int, excluded: np.ndarray, model: Callable[[list[str]], CharCounts] = CharCounts
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(alone, paired) for every text (letters first, then the references) and the letters' raw help matrix
    (how much letter j lowers letter i's cross-entropy). `excluded[i, j]`: j is i itself or a variant of it.
    `model` counts the texts (another order or escape, for benchmarks/series_sequential.py)."""
    return SeriesModel(texts, n, model).statistics(excluded)
