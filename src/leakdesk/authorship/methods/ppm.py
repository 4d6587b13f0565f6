"""Compression cross-entropy with a PPM character model (Teahan & Harper 2003): how many bits per character does
the questioned text cost under a model of the known texts, compared with models of impostor texts?

A small PPM-C of order `order` (escape counts = number of distinct followers; no exclusions), in plain Python.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method

ALPHABET = 256  # order -1: uniform over this many symbols


class PPMModel:
    """Counts of every character after every context of length 0..order."""

    def __init__(self, text: str, order: int = 3) -> None:
        self.order = order
        self.tables: list[dict[str, dict[str, int]]] = [defaultdict(dict) for _ in range(order + 1)]
        for i, ch in enumerate(text):
            for k in range(order + 1):
                if i - k < 0:
                    break
                followers = self.tables[k][text[i - k : i]]
                followers[ch] = followers.get(ch, 0) + 1
        self.totals = [{ctx: (sum(f.values()), len(f)) for ctx, f in t.items()} for t in self.tables]

    def cross_entropy(self, text: str) -> float:
        """Bits per character of `text` under this model."""
        if not text:
            return 0.0
        bits = 0.0
        tables, totals = self.tables, self.totals
        for i, ch in enumerate(text):
            p = 1.0
            for k in range(min(self.order, i), -1, -1):
                ctx = text[i - k : i]
                tot = totals[k].get(ctx)
                if tot is None:
                    continue
                n, d = tot
                c = tables[k][ctx].get(ch)
                if c:
                    p *= c / (n + d)
                    break
                p *= d / (n + d)
            else:
                p /= ALPHABET
            bits -= math.log2(p)
        return bits / len(text)


class PPMCompression(Method):
    """Scores: impostor-normalised cross-entropy gain of the questioned text (and of the known text, reversed)."""

    columns = ("ppm_gain", "ppm_gain_reverse")
    version = "1"

    def __init__(
        self, order: int = 3, n_impostors: int = 4, max_chars: int = 4000, distorted: bool = True, random_state: int = 0
    ) -> None:
        self.order = order
        self.distorted = distorted
        self.n_impostors = n_impostors
        self.max_chars = max_chars
        self.random_state = random_state

    def score_batch(self, batch: Batch) -> np.ndarray:
        models: dict[str, PPMModel] = {}

        def model(key: str, text: str) -> PPMModel:
            if key not in models:
                models[key] = PPMModel(text[: self.max_chars], self.order)
            return models[key]

        out = np.zeros((len(batch.problems), 2))
        rng = np.random.default_rng(self.random_state)
        for i in range(len(batch.problems)):
            if not batch.known[i]:
                continue
            u = batch.unknown[i]
            known_text = "\n".join(self._text(p) for p in batch.known[i])
            known_key = "K:" + "|".join(p.key for p in batch.known[i])
            imps = batch.impostors(i)
            pick: Any = rng.choice(len(imps), size=min(self.n_impostors, len(imps)), replace=False) if imps else []
            chosen: list[TextProfile] = [imps[j] for j in pick]
            ut = _norm(self._text(u))[: self.max_chars]
            kt = _norm(known_text)[: self.max_chars]
            ce_u_k = model(known_key, _norm(known_text)).cross_entropy(ut)
            ce_k_u = model(u.key, _norm(self._text(u))).cross_entropy(kt)
            if chosen and ut and kt:
                ce_u_i = np.mean([model(p.key, _norm(self._text(p))).cross_entropy(ut) for p in chosen])
                u_model = model(u.key, _norm(self._text(u)))
                ce_i_u = np.mean([u_model.cross_entropy(_norm(self._text(p))[: self.max_chars]) for p in chosen])
                # forward: does the known model predict the questioned text better than impostor models do?
                # reverse: does the questioned text's model predict the known text better than it predicts impostors?
                out[i] = ((ce_u_i - ce_u_k) / ce_u_i, (ce_i_u - ce_k_u) / ce_i_u)
            else:
                out[i] = (0.0, 0.0)
        return out


    def _text(self, p: TextProfile) -> str:
        return p.distorted if self.distorted else p.text


def _norm(text: str) -> str:
    return " ".join(text.split())
