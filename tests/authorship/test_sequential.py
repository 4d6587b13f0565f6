"""The character model of the other letters (authorship/sequential.py) and its place in the series analysis."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from leakdesk.authorship import consistency, sequential
from leakdesk.authorship.features import profile
from leakdesk.authorship.sequential import DISCOUNT, CharCounts, sequential_statistics

TEXTS = ["the cat sat on the mat.", "a cat and a hat", "then the rat sat", "mats, hats and cats!"]


def dictionary_entropy(text: str, training: list[str], order: int, alphabet: int, witten_bell: bool = False) -> float:
    """Interpolated absolute discounting (or Witten-Bell) counted with dictionaries, padding before each text."""
    pad = "\0" * (order - 1)
    grams: Counter[str] = Counter()
    for t in training:
        padded = pad + t
        for i in range(order - 1, len(padded)):
            for k in range(1, order + 1):
                grams[padded[i - k + 1 : i + 1]] += 1
    bits, padded = 0.0, pad + text
    for i in range(order - 1, len(padded)):
        p = 1.0 / alphabet
        for k in range(1, order + 1):
            context, gram = padded[i - k + 1 : i], padded[i - k + 1 : i + 1]
            following = {g: c for g, c in grams.items() if len(g) == k and g[:-1] == context}
            n, d = sum(following.values()), len(following)
            if n:
                seen = grams.get(gram, 0)
                p = (seen + d * p) / (n + d) if witten_bell else max(seen - DISCOUNT, 0) / n + DISCOUNT * d / n * p
        bits -= math.log2(p)
    return bits / len(text)


@pytest.mark.parametrize("order", [1, 3, 5])
def test_the_counted_model_is_the_dictionary_model(order: int) -> None:
    counts = CharCounts(TEXTS, order)
    alphabet = len(set("".join(TEXTS))) + 1
    everything = counts.sums([0, 1, 2, 3])
    assert counts.entropy(0, counts.model(everything, [0])) == pytest.approx(
        dictionary_entropy(TEXTS[0], TEXTS[1:], order, alphabet))
    assert counts.entropy(0, counts.model(counts.sums([1, 2, 3]), [1])) == pytest.approx(
        dictionary_entropy(TEXTS[0], TEXTS[2:], order, alphabet))


def _writer(rng: random.Random, words: list[str], marks: str, n: int) -> str:
    return " ".join(rng.choice(words) + (rng.choice(marks) if rng.random() < 0.2 else "") for _ in range(n))


HOME = ["the", "report", "arrived", "late", "and", "nobody", "signed", "it", "so", "we", "waited", "again"]
OTHER = ["whilst", "thereupon", "the", "dispatch", "was", "duly", "forwarded", "hence", "our", "colleague", "noted"]
POOL = [["however", "results", "market", "shares", "rose", "sharply", "today"],
        ["yesterday", "minister", "spoke", "about", "budget", "plans", "briefly"]]


def _series(rng: random.Random) -> tuple[list[str], list[str]]:
    letters = [_writer(rng, HOME, ",.", 120) for _ in range(8)]
    letters[5], letters[7] = _writer(rng, OTHER, ";:", 120), _writer(rng, OTHER, ";:", 120)
    refs = [_writer(rng, POOL[k % 2], "!?", 120) for k in range(4)]
    return letters, refs


def test_two_letters_by_another_hand_stand_out_once_each_other_is_held_out() -> None:
    letters, refs = _series(random.Random(3))
    n = len(letters)
    alone, paired, helps = sequential_statistics(letters + refs, n, np.eye(n, dtype=bool))
    assert set(np.argsort(paired[:n])[:2]) == {5, 7}  # each, with the other held out, is predicted worst
    assert min(alone[:n]) > max(alone[n:])  # a pool of other subjects predicts every letter worse than the series
    assert helps[5, 7] == max(helps[5, k] for k in range(n) if k != 5)  # the other impostor helps it most


def test_a_variant_of_the_same_message_does_not_vouch_for_its_twin() -> None:
    letters, refs = _series(random.Random(4))
    letters[6] = letters[5]  # two copies of the odd letter
    n = len(letters)
    free = np.eye(n, dtype=bool)
    variants = free.copy()
    variants[5, 6] = variants[6, 5] = True
    vouched = sequential_statistics(letters + refs, n, free)[0]
    kept_apart = sequential_statistics(letters + refs, n, variants)[0]
    assert kept_apart[5] < vouched[5] - 0.3  # its copy no longer predicts it


def test_the_series_analysis_names_the_character_model_and_leaves_it_out_of_long_series(
        monkeypatch: pytest.MonkeyPatch) -> None:
    letters, refs = _series(random.Random(5))
    result = consistency.series_consistency([profile(t, "en") for t in letters], [profile(t, "en") for t in refs])
    assert result is not None and consistency.SEQUENTIAL in result.evidence[0]
    worst = int(np.argmin(result.probability))
    said = " ".join(consistency.reasons(result, worst, len(letters), len(refs), [str(i) for i in range(8)]))
    assert "run of characters" in said or result.evidence[worst][consistency.SEQUENTIAL] > -1.0
    monkeypatch.setattr(sequential, "MAX_LETTERS", 5)
    shorter = consistency.series_consistency([profile(t, "en") for t in letters], [profile(t, "en") for t in refs])
    assert shorter is not None and consistency.SEQUENTIAL not in shorter.evidence[0]
