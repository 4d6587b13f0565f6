"""A grammar-model likelihood ratio in the spirit of LambdaG (Nini et al. 2024): an n-gram language model of the
known author's content-masked text against models of impostor text of the same size; the questioned text's mean
log-likelihood ratio per token. Masking keeps function words and punctuation, so topic cannot pass for style.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

from leakdesk.authorship.methods.base import Batch, Method

BOS = "<s>"


class NgramModel:
    """Interpolated Witten-Bell n-gram model over tokens."""

    def __init__(self, tokens: list[str], order: int = 3, vocab_size: int = 2000) -> None:
        self.order = order
        self.vocab_size = vocab_size
        self.counts: list[dict[tuple[str, ...], Counter[str]]] = [defaultdict(Counter) for _ in range(order)]
        seq = [BOS] * (order - 1) + tokens
        for i in range(order - 1, len(seq)):
            for k in range(order):
                self.counts[k][tuple(seq[i - k : i])][seq[i]] += 1
        self.stats = [{ctx: (sum(c.values()), len(c)) for ctx, c in table.items()} for table in self.counts]

    def prob(self, history: tuple[str, ...], token: str) -> float:
        p = 1.0 / self.vocab_size
        for k in range(self.order):
            ctx = history[len(history) - k :] if k else ()
            st = self.stats[k].get(ctx)
            if st is None:
                continue
            n, t = st
            p = (self.counts[k][ctx].get(token, 0) + t * p) / (n + t)
        return p

    def log_likelihoods(self, tokens: list[str]) -> np.ndarray:
        seq = [BOS] * (self.order - 1) + tokens
        return np.array(
            [math.log2(self.prob(tuple(seq[i - self.order + 1 : i]), seq[i])) for i in range(self.order - 1, len(seq))]
        )


class GrammarModelRatio(Method):
    """Score: mean per-token log2 likelihood ratio, known-author model vs same-size impostor models."""

    columns = ("lambdag",)
    version = "1"

    def __init__(self, order: int = 3, n_references: int = 2, max_tokens: int = 8000, random_state: int = 0) -> None:
        self.order = order
        self.n_references = n_references
        self.max_tokens = max_tokens
        self.random_state = random_state

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.zeros((len(batch.problems), 1))
        rng = np.random.default_rng(self.random_state)
        known_models: dict[str, NgramModel] = {}
        for i in range(len(batch.problems)):
            known_tokens = [t for p in batch.known[i] for t in p.masked][: self.max_tokens]
            u_tokens = batch.unknown[i].masked[: self.max_tokens]
            imps = batch.impostors(i)
            if not known_tokens or not u_tokens or not imps:
                continue
            known_key = "|".join(p.key for p in batch.known[i])
            if known_key not in known_models:  # many problems may share one set of known texts
                known_models[known_key] = NgramModel(known_tokens, self.order)
            ll_k = known_models[known_key].log_likelihoods(u_tokens)
            ratios = []
            for _ in range(self.n_references):
                ref: list[str] = []
                for j in rng.permutation(len(imps)):
                    ref.extend(imps[j].masked)
                    if len(ref) >= len(known_tokens):
                        break
                ll_r = NgramModel(ref[: len(known_tokens)], self.order).log_likelihoods(u_tokens)
                ratios.append(float(np.mean(ll_k - ll_r)))
            out[i, 0] = float(np.mean(ratios))
        return out
