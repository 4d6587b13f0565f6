"""Typography habits as a score: does the questioned text keep the known writer's habits (quote style, dash type,
ellipsis, ё, space before punctuation, capital «Вы», ...) and avoid the ones the writer never uses?

Habits are chosen without thinking and are independent of topic, which makes them robust where word and character
statistics are fooled by a shared subject (an impostor writing about the same events).
"""

from __future__ import annotations

import numpy as np

from leakdesk.authorship.features import HABIT_TEXT
from leakdesk.authorship.methods.base import Batch, Method


class TypographyHabits(Method):
    """Score: minus the weighted number of habits broken (0 = every clear habit kept)."""

    columns = ("habits",)
    version = "1"

    def __init__(self, full_length: int = 150) -> None:
        self.full_length = full_length

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.zeros((len(batch.problems), 1))
        for i in range(len(batch.problems)):
            known, u = batch.known[i], batch.unknown[i]
            if not known or not u.n_words:
                continue
            # a short text may lack a habit by chance, so a missing habit counts in proportion to its length
            chance = min(1.0, u.n_words / self.full_length)
            penalty = 0.0
            for key in HABIT_TEXT:
                share = sum(1 for p in known if p.habits.get(key, 0) > 0) / len(known)
                decisive = abs(2 * share - 1)
                present = u.habits.get(key, 0) > 0
                if share >= 0.5 and not present:
                    penalty += decisive * chance
                elif share < 0.5 and present:
                    penalty += decisive * min(1.0, u.habits[key] / 2)
            out[i, 0] = -penalty
        return out
