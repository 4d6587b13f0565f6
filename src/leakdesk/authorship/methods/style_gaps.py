"""Style gaps (after the GLAD features of Hürlimann et al. 2015): a handful of plain measures of a text — word
length, long words, vocabulary richness, sentence length and its spread, punctuation and capitals per word,
function words — and how far the questioned text lies from the known texts on each, against how far the impostors
lie. No n-grams and no topic words, so a writer who changes subject keeps most of them.

Two scores per problem, higher meaning "more likely the same writer": `gap_rank`, the share of (impostor, measure)
pairs where the impostor lies further from the known texts than the questioned text does, and `gap_z`, minus the
questioned text's mean gap in units of the impostors' spread (0.5 and 0 mean no evidence either way).
"""

from __future__ import annotations

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method

PUNCTUATION = (",", ".", ";", ":", "!", "?", '"', "'", "(", "-", "—", "–", "…")
RICHNESS_WINDOW = 100  # words per window of the moving type-token ratio (length-independent richness)


def moving_type_token_ratio(words: list[str], window: int = RICHNESS_WINDOW) -> float:
    """Mean share of distinct words in non-overlapping windows (the whole text when shorter than one window)."""
    if not words:
        return 0.0
    if len(words) <= window:
        return len(set(words)) / len(words)
    ratios = [len(set(words[i : i + window])) / window for i in range(0, len(words) - window + 1, window)]
    return float(np.mean(ratios))


def style_measures(p: TextProfile) -> np.ndarray:
    """The plain measures of one text, each a rate or a mean (so texts of different lengths compare)."""
    n = max(p.n_words, 1)
    lengths = [len(w) for w in p.words] or [0]
    sentences = [s for s in p.sentence_lengths if s > 0] or [0]
    capitals = sum(1 for t in p.tokens if t[:1].isupper())
    function = sum(p.function_counts.values()) - sum(p.function_counts.get(c, 0) for c in PUNCTUATION)
    punctuation = [sum(1 for t in p.tokens if t == mark) / n for mark in PUNCTUATION]
    return np.array(
        [
            float(np.mean(lengths)),
            sum(1 for v in lengths if v > 6) / n,
            moving_type_token_ratio(p.words),
            float(np.mean(sentences)),
            float(np.std(sentences)),
            capitals / n,
            max(function, 0) / n,
            *punctuation,
        ]
    )


class StyleGaps(Method):
    """Scores `gap_rank` and `gap_z`: the questioned text's distance from the known texts on plain style measures,
    set against the impostors' distances from the same known texts."""

    columns = ("gap_rank", "gap_z")
    version = "1"

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.tile(np.array([0.5, 0.0]), (len(batch.problems), 1))
        measured: dict[str, np.ndarray] = {}

        def measures(p: TextProfile) -> np.ndarray:
            found = measured.get(p.key)
            if found is None:
                found = measured[p.key] = style_measures(p)
            return found

        for i in range(len(batch.problems)):
            imps = batch.impostors(i)
            if len(imps) < 2 or not batch.known[i] or not batch.unknown[i].n_words:
                continue
            known = np.mean([measures(p) for p in batch.known[i]], axis=0)
            gap = np.abs(measures(batch.unknown[i]) - known)
            others = np.abs(np.array([measures(p) for p in imps]) - known)  # (impostors, measures)
            spread = np.maximum(others.std(axis=0), 1e-6)
            informative = others.std(axis=0) > 1e-9  # a measure no impostor varies on says nothing
            if not informative.any():
                continue
            out[i, 0] = float(np.mean((others > gap)[:, informative]))
            scaled = (gap - others.mean(axis=0)) / spread
            out[i, 1] = float(np.clip(-np.mean(scaled[informative]), -10, 10))
        return out
