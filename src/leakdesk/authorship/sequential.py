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
Counts are held per text, so the model of any subset is a sum of count vectors. Measured in BENCHMARKS.md (issue 14,
"Session 10 (serieslm)"): on 72 held-out series, with the shipped three families, both impostors lowest and flagged in
51 against 47.
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


def sequential_statistics(
    texts: list[str], n: int, excluded: np.ndarray, model: Callable[[list[str]], CharCounts] = CharCounts
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(alone, paired) for every text (letters first, then the references) and the letters' raw help matrix
    (how much letter j lowers letter i's cross-entropy). `excluded[i, j]`: j is i itself or a variant of it.
    `model` counts the texts (another order or escape, for benchmarks/series_sequential.py)."""
    counts = model([plain(t) for t in texts])
    series, pool = list(range(n)), list(range(n, len(texts)))
    on_series, on_pool = counts.sums(series), counts.sums(pool)
    out_of = [[j for j in series if excluded[i, j] or j == i] for i in series]  # X(i)
    pool_model = counts.model(on_pool, [])
    h_pool = np.array([counts.entropy(i, pool_model) for i in series])
    h_loo = np.array([counts.entropy(i, counts.model(on_series, out_of[i])) for i in series])
    h_pair = np.zeros((n, n))  # H(i | S∖(X(i) ∪ X(j)))
    for i in series:
        for j in range(i + 1, n):
            if excluded[i, j] or excluded[j, i]:
                h_pair[i, j], h_pair[j, i] = h_loo[i], h_loo[j]
                continue
            tables = counts.model(on_series, sorted(set(out_of[i]) | set(out_of[j])))
            h_pair[i, j], h_pair[j, i] = counts.entropy(i, tables), counts.entropy(j, tables)
    alone = np.zeros(len(texts))
    paired = np.zeros(len(texts))
    alone[:n] = h_pool - h_loo
    for i in series:
        partners = [j for j in series if j not in out_of[i]]
        paired[i] = min((h_pool[i] - h_pair[i, j] for j in partners), default=alone[i])
    full_series = counts.model(on_series, [])
    for r in pool:
        h_r_pool = counts.entropy(r, counts.model(on_pool, [r]))
        alone[r] = h_r_pool - counts.entropy(r, full_series)
        paired[r] = min(h_r_pool - counts.entropy(r, counts.model(on_series, [j])) for j in series)
    helps = np.where(~np.eye(n, dtype=bool), h_pair - h_loo[:, None], 0.0)
    return alone, paired, helps + helps.T
