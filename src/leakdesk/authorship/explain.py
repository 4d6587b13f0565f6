"""Plain-word reasons: which habits of the known texts the questioned text shares or breaks, and what each method
saw. Sentences name counts ("uses «» quotes in 11 of 12 known letters, none here"), never bare coefficients.
"""

from __future__ import annotations

import numpy as np

from leakdesk.authorship.features import HABIT_TEXT, TextProfile

# Per-method sentences: (column, sentence when it speaks for the same author, sentence when against)
METHOD_WORDS = {
    "gi_minmax": (
        "its character and word-form patterns are closer to the known texts than to other writers' in {pct} of trials",
        "its character and word-form patterns are closer to other writers' texts than to the known texts "
        "(won only {pct} of trials)",
    ),
    "gi_cosine": (
        "a second similarity measure agrees: closer to the known texts in {pct} of trials",
        "a second similarity measure agrees: closer to the known texts in only {pct} of trials",
    ),
    "delta_z": (
        "its use of the most frequent words is unusually close to the known texts",
        "its use of the most frequent words (and, of, that, и, в, не…) differs from the known texts",
    ),
    "delta_cos": ("its frequent-word profile resembles the known texts", "its frequent-word profile is unlike theirs"),
    "ppm_gain": (
        "a compression model of the known texts predicts it better than models of other writers do",
        "a compression model of the known texts predicts it no better than models of other writers",
    ),
    "ppm_gain_reverse": (
        "a compression model of it predicts the known texts well",
        "a compression model of it predicts the known texts poorly",
    ),
    "habits": (
        "it keeps the known writer's typography habits (quotes, dashes, ellipses, ё)",
        "it breaks the known writer's typography habits (see the habits listed)",
    ),
    "lambdag": (
        "its grammar (function words and word classes, topic masked) fits the known author's model",
        "its grammar (function words and word classes, topic masked) fits other writers better than the known author",
    ),
    "gap_rank": (
        "on plain measures (word and sentence length, vocabulary, punctuation per word) it lies nearer the known "
        "texts than other writers do in {pct} of comparisons",
        "on plain measures (word and sentence length, vocabulary, punctuation per word) it lies nearer the known "
        "texts than other writers do in only {pct} of comparisons",
    ),
    "gap_z": (
        "its word and sentence lengths, vocabulary and punctuation are closer to the known texts than other "
        "writers' are",
        "its word and sentence lengths, vocabulary and punctuation are further from the known texts than other "
        "writers' are",
    ),
}

for _n in (2, 3, 4, 5):  # the character spectrum: one pair of columns per n-gram length
    METHOD_WORDS[f"c{_n}_z"] = (
        f"its {_n}-character sequences are closer to the known texts than other writers' texts are",
        f"its {_n}-character sequences are no closer to the known texts than other writers' texts are",
    )
    METHOD_WORDS[f"c{_n}_rank"] = (
        f"by {_n}-character sequences it is nearer the known texts than {{pct}} of comparisons with other writers",
        f"by {_n}-character sequences it is nearer the known texts than only {{pct}} of comparisons with other writers",
    )


def habit_reasons(known: list[TextProfile], unknown: TextProfile, word: str = "known texts") -> list[str]:
    """Typography habits clearly present (or absent) in the known texts and the other way round here."""
    out: list[tuple[float, str]] = []
    n = len(known)
    if n == 0:
        return []
    for key, words in HABIT_TEXT.items():
        if key == "vy_capital" and unknown.language != "ru":
            continue
        users = sum(1 for p in known if p.habits.get(key, 0) > 0)
        here = unknown.habits.get(key, 0)
        share = users / n
        if share >= 0.7 and users >= 2 and here == 0 and unknown.n_words >= 40:
            out.append((share, f"uses {words} in {users} of {n} {word}, none here"))
        elif share == 0 and n >= 2 and here >= 2:
            out.append((1.0, f"uses {words} ({here} times here), which none of the {n} {word} does"))
        elif n == 1 and users == 1 and here == 0 and known[0].habits[key] >= 3 and unknown.n_words >= 40:
            out.append((0.7, f"the known text uses {words} {known[0].habits[key]} times, none here"))
    k_meds = [float(np.median(p.sentence_lengths)) for p in known if len(p.sentence_lengths) >= 3]
    if sum(len(p.sentence_lengths) for p in known) >= 10 and k_meds and len(unknown.sentence_lengths) >= 5:
        km, um = float(np.median(k_meds)), float(np.median(unknown.sentence_lengths))
        if km and (um / km > 1.6 or um / km < 0.6):
            out.append((0.6, f"its sentences are typically {um:.0f} words long, the {word}' {km:.0f}"))
    out.sort(key=lambda t: -t[0])
    return [s for _, s in out]


def method_reasons(columns: tuple[str, ...], scores: np.ndarray, contributions: np.ndarray) -> list[str]:
    """The methods that moved the probability most, in words."""
    order = np.argsort(-np.abs(contributions))
    out = []
    for j in order[:3]:
        col = columns[j]
        if col not in METHOD_WORDS or abs(contributions[j]) < 0.15:
            continue
        pro, con = METHOD_WORDS[col]
        sentence = pro if contributions[j] > 0 else con
        out.append(sentence.format(pct=f"{scores[j]:.0%}"))
    return out
