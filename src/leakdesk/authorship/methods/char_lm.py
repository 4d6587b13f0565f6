"""Character language-model ratio, the cheap analogue of Bagnall's (PAN 2015) character RNN: a smoothed character
n-gram model of the known texts, backed off to a model of the whole reference pool of the language, predicts the
questioned text; its gain in bits per character over the pool model alone is set against the gains of models of
impostor texts (a z-score and the share of impostors beaten). Both ways round (a model of the questioned text
predicting the known texts against predicting the impostors), averaged, as `compression` does; on the raw text
(`lm_*`) and on the topic-masked text (`lmx_*`, `TextProfile.distorted`).

Witten-Bell interpolation over orders 0..`order` (context lengths), counted with 64-bit hashes of the n-grams in
numpy, so a model is a few sorted arrays and scoring a text is a handful of `searchsorted` calls.
"""

from __future__ import annotations

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method

_MIX = np.uint64(0x9E3779B97F4A7C15)
_FINAL = np.uint64(0xBF58476D1CE4E5B9)
UNIFORM = 1.0 / 4096  # below order 0 of the pool model: any character


def _codes(text: str, order: int) -> np.ndarray:
    """Code points of `text` after `order` start-of-text marks (code 0)."""
    raw = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    return np.concatenate([np.zeros(order, dtype=np.uint64), raw + np.uint64(1)])


def gram_hashes(text: str, order: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per context length k = 0..order: (context hash, context-plus-character hash) of every character of `text`."""
    c = _codes(text, order)
    n = len(c) - order
    out = []
    ctx = np.full(n, np.uint64(order + 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(order + 1):
            if k:
                ctx = ctx * _MIX + c[order - k : order - k + n]
            gram = (ctx ^ (c[order : order + n] * _FINAL)) * _MIX + np.uint64(k)
            out.append((ctx.copy(), gram))
    return out


class CharLM:
    """Counts of every character after every context of length 0..order, as sorted hash arrays."""

    def __init__(self, text: str, order: int = 4) -> None:
        self.order = order
        self.tables = []
        for ctx, gram in gram_hashes(text, order):
            grams, first, gram_counts = np.unique(gram, return_index=True, return_counts=True)
            contexts, ctx_counts = np.unique(ctx, return_counts=True)
            followed, followers = np.unique(ctx[first], return_counts=True)  # distinct characters per context
            distinct = np.zeros(len(contexts), dtype=np.int64)
            distinct[np.searchsorted(contexts, followed)] = followers
            self.tables.append((grams, gram_counts, contexts, ctx_counts, distinct))

    def probabilities(self, hashes: list[tuple[np.ndarray, np.ndarray]], base: np.ndarray) -> np.ndarray:
        """P(each character | its context), interpolated down to `base` (per character) below order 0."""
        p = base
        for (ctx, gram), (grams, gram_counts, contexts, ctx_counts, distinct) in zip(hashes, self.tables, strict=True):
            c = _lookup(grams, gram_counts, gram)
            j = np.minimum(np.searchsorted(contexts, ctx), len(contexts) - 1)
            seen = contexts[j] == ctx
            n = np.where(seen, ctx_counts[j], 0)
            t = np.where(seen, distinct[j], 0)
            p = np.where(n > 0, (c + t * p) / np.maximum(n + t, 1), p)
        return p


def _lookup(keys: np.ndarray, counts: np.ndarray, query: np.ndarray) -> np.ndarray:
    if not len(keys):
        return np.zeros(len(query), dtype=np.int64)
    j = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[j] == query, counts[j], 0)


class _View:
    """One view of a batch (raw or topic-masked text): the pool model, per-text models and the pool's predictions,
    kept while the batch is scored (at most `cached` of each, to bound the memory on long batches)."""

    def __init__(self, batch: Batch, masked: bool, order: int, max_chars: int, pool_chars: int, cached: int) -> None:
        self.batch, self.masked, self.order = batch, masked, order
        self.max_chars, self.pool_chars, self.cached = max_chars, pool_chars, cached
        self.models: dict[str, CharLM] = {}
        self.hashes: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        self.pool_bits: dict[str, np.ndarray] = {}

    def text(self, p: TextProfile) -> str:
        return " ".join((p.distorted if self.masked else p.text).split())[: self.max_chars]

    def _pool(self, pool: list[TextProfile], known: list[TextProfile]) -> CharLM:
        joined = "\n".join(self.text(p) for p in pool + known)
        return CharLM(joined[: self.pool_chars], self.order)

    def gain(self, model_key: str, model_text: str, target_key: str, target_text: str, language: str) -> float:
        """Bits per character the model of `model_text` saves on `target_text` over the pool model alone."""
        if len(self.models) > self.cached or len(self.hashes) > self.cached:
            self.models.clear()
            self.hashes.clear()
            self.pool_bits.clear()
        if model_key not in self.models:
            self.models[model_key] = CharLM(model_text, self.order)
        if target_key not in self.hashes:
            self.hashes[target_key] = gram_hashes(target_text, self.order)
            pool = self.batch.space(language, f"char_lm:{self.masked}", self._pool)
            uniform = np.full(len(target_text), UNIFORM)
            self.pool_bits[target_key] = np.log2(pool.probabilities(self.hashes[target_key], uniform))
        pool_bits = self.pool_bits[target_key]
        own = np.log2(self.models[model_key].probabilities(self.hashes[target_key], 2.0**pool_bits))
        return float(np.mean(own - pool_bits)) if len(target_text) else 0.0


class CharLanguageModel(Method):
    """Scores `lm_z` / `lm_rank` (raw text) and `lmx_z` / `lmx_rank` (topic-masked text); 0 and 0.5 mean no
    evidence either way. Higher means "more likely the same writer"."""

    columns = ("lm_z", "lm_rank", "lmx_z", "lmx_rank")
    version = "1"

    def __init__(self, order: int = 4, max_chars: int = 12000, pool_chars: int = 2_000_000, cached: int = 400) -> None:
        self.order = order
        self.max_chars = max_chars
        self.pool_chars = pool_chars
        self.cached = cached

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.tile(np.array([0.0, 0.5, 0.0, 0.5]), (len(batch.problems), 1))
        for col, masked in ((0, False), (2, True)):
            view = _View(batch, masked, self.order, self.max_chars, self.pool_chars, self.cached)
            for i in range(len(batch.problems)):
                imps = batch.impostors(i)
                if len(imps) < 2 or not batch.known[i]:
                    continue
                lang = batch.languages[i]
                u = batch.unknown[i]
                ut = view.text(u)
                kt = "\n".join(view.text(p) for p in batch.known[i])[: self.max_chars]
                kkey = "K:" + "|".join(p.key for p in batch.known[i])
                if not ut or not kt:
                    continue
                # forward: the known texts' model on the questioned text, against impostor models on it;
                # reverse: the questioned text's model on the known texts, against it on the impostor texts
                forward = view.gain(kkey, kt, u.key, ut, lang)
                others = np.array([view.gain(p.key, view.text(p), u.key, ut, lang) for p in imps])
                reverse = view.gain(u.key, ut, kkey, kt, lang)
                others_rev = np.array([view.gain(u.key, ut, p.key, view.text(p), lang) for p in imps])
                z, beaten = 0.0, 0.0
                for s, o in ((forward, others), (reverse, others_rev)):
                    z += (s - float(o.mean())) / max(float(o.std()), 1e-4)
                    beaten += float(np.mean(o < s))
                out[i, col] = float(np.clip(z / 2, -10, 10))
                out[i, col + 1] = beaten / 2
        return out
