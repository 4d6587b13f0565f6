"""The character language model of benchmarks/series_sequential.py against a plain dictionary implementation."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from benchmarks.series_sequential import DISCOUNT, CharCounts

TEXTS = ["the cat sat on the mat.", "a cat and a hat", "then the rat sat", "mats, hats and cats!"]


def reference_entropy(text: str, training: list[str], order: int, alphabet: int, witten_bell: bool) -> float:
    """Interpolated absolute discounting (or Witten-Bell), counted with dictionaries, padding before each text."""
    pad = "\0" * (order - 1)
    grams: Counter[str] = Counter()
    for t in training:
        padded = pad + t
        for i in range(order - 1, len(padded)):
            for k in range(1, order + 1):
                grams[padded[i - k + 1 : i + 1]] += 1
    bits = 0.0
    padded = pad + text
    for i in range(order - 1, len(padded)):
        p = 1.0 / alphabet
        for k in range(1, order + 1):
            context, gram = padded[i - k + 1 : i], padded[i - k + 1 : i + 1]
            following = {g: c for g, c in grams.items() if len(g) == k and g[:-1] == context}
            n, d = sum(following.values()), len(following)
            if n == 0:
                continue
            seen = grams.get(gram, 0)
            p = (seen + d * p) / (n + d) if witten_bell else max(seen - DISCOUNT, 0) / n + DISCOUNT * d / n * p
        bits -= math.log2(p)
    return bits / len(text)


@pytest.mark.parametrize("witten_bell", [False, True])
@pytest.mark.parametrize("order", [1, 3])
def test_counted_model_matches_the_dictionary_model(order: int, witten_bell: bool) -> None:
    counts = CharCounts(TEXTS, order)
    alphabet = len(set("".join(TEXTS))) + 1
    # text 0 under the other texts (leave-one-out), and under texts 2-3 only
    got = counts.entropy(0, counts.model([0]), witten_bell)
    want = reference_entropy(TEXTS[0], TEXTS[1:], order, alphabet, witten_bell)
    assert got == pytest.approx(want)
    got = counts.entropy(0, counts.model([1], among=[1, 2, 3]), witten_bell)
    assert got == pytest.approx(reference_entropy(TEXTS[0], TEXTS[2:], order, alphabet, witten_bell))


def test_a_text_is_predicted_better_by_its_own_kind() -> None:
    counts = CharCounts(["abab abab abab", "abab ab abab", "xyzzy xyz zy"], 3)
    assert counts.entropy(0, counts.model([0, 2]), False) < counts.entropy(0, counts.model([0, 1]), False)
