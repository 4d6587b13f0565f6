"""Calibration on the case itself, robust to impostors hiding in the series.

For one letter, the other letters' scores stand for "same writer" and the reference texts' scores (each questioned
against the series) for "another writer". A series may contain impostor letters, and a reference pool is often off
topic, so an ordinary classifier would learn the topic. Instead each method votes on its own: a log-likelihood ratio
under two Gaussians estimated robustly (median and MAD, so a few impostor letters among the "same" examples barely
move them), bounded to +-`CAP`, and the votes are summed with a damping factor because the methods are correlated.
"""

from __future__ import annotations

import numpy as np

CAP = 3.0
DAMPING = 0.6
GROUPS = {
    "gi_minmax": "gi", "gi_cosine": "gi", "delta_cos": "delta", "delta_z": "delta", "ppm_gain": "ppm",
    "ppm_gain_reverse": "ppm", "lambdag": "lambdag", "habits": "habits",
}  # fmt: skip


def _robust(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    med = np.median(values, axis=0)
    mad = 1.4826 * np.median(np.abs(values - med), axis=0)
    return med, mad


def method_votes(columns: tuple[str, ...], same: np.ndarray, other: np.ndarray, x: np.ndarray) -> dict[str, float]:
    """Per method group: the bounded log-likelihood ratio 'same writer' vs 'another writer' for scores `x`."""
    m1, s1 = _robust(same)
    m0, s0 = _robust(other)
    floor = np.maximum(0.15 * np.abs(m1 - m0), 1e-3)
    s1, s0 = np.maximum(s1, floor), np.maximum(s0, floor)
    llr = (-0.5 * ((x - m1) / s1) ** 2 - np.log(s1)) - (-0.5 * ((x - m0) / s0) ** 2 - np.log(s0))
    # a score beyond the "same" median (in the same direction as "same" lies from "other") is not evidence against
    beyond = np.sign(m1 - m0) * (x - m1) > 0
    llr = np.where(beyond, np.maximum(llr, 0), llr)
    llr = np.clip(llr, -CAP, CAP)
    votes: dict[str, list[float]] = {}
    for col, v in zip(columns, llr, strict=True):
        votes.setdefault(GROUPS.get(col, col), []).append(float(v))
    return {g: float(np.mean(v)) for g, v in votes.items()}


def probability(votes: dict[str, float]) -> float:
    return float(1 / (1 + np.exp(-DAMPING * sum(votes.values()))))


VOTE_WORDS = {
    "gi": ("its character and word-form patterns match the series better than other writers' do",
           "its character and word-form patterns match other writers better than the rest of the series"),
    "delta": ("its function words and punctuation are used like in the other letters",
              "its function words and punctuation are used unlike in the other letters"),
    "ppm": ("a compression model of the other letters predicts its (topic-masked) text well",
            "a compression model of the other letters predicts its (topic-masked) text poorly"),
    "lambdag": ("its grammar (function words and word classes, topic masked) fits the series' writer",
                "its grammar (function words and word classes, topic masked) fits other writers better"),
    "habits": ("it keeps the series' typography habits", "it breaks the series' typography habits"),
}  # fmt: skip


def vote_reasons(votes: dict[str, float]) -> list[str]:
    out = []
    for group, v in sorted(votes.items(), key=lambda kv: -abs(kv[1])):
        if abs(v) >= 1.0 and group in VOTE_WORDS:
            out.append(VOTE_WORDS[group][0 if v > 0 else 1] + f" (evidence {v:+.1f})")
    return out
