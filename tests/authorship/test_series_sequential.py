"""The Witten-Bell and Kneser-Ney variants of benchmarks/series_sequential.py against plain dictionary implementations
(the product's model, absolute discounting, is held to the same in tests/authorship/test_sequential.py)."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from benchmarks.series_sequential import KneserNeyCounts, WittenBellCounts

from leakdesk.authorship.sequential import DISCOUNT, CharCounts
from tests.authorship.test_sequential import TEXTS, dictionary_entropy


@pytest.mark.parametrize("order", [1, 3])
def test_counted_witten_bell_model_matches_the_dictionary_model(order: int) -> None:
    counts = WittenBellCounts(TEXTS, order)
    alphabet = len(set("".join(TEXTS))) + 1
    # text 0 under the other texts (leave-one-out), and under texts 2-3 only
    got = counts.entropy(0, counts.model(counts.sums([0, 1, 2, 3]), [0]))
    assert got == pytest.approx(dictionary_entropy(TEXTS[0], TEXTS[1:], order, alphabet, witten_bell=True))
    got = counts.entropy(0, counts.model(counts.sums([1, 2, 3]), [1]))
    assert got == pytest.approx(dictionary_entropy(TEXTS[0], TEXTS[2:], order, alphabet, witten_bell=True))


@pytest.mark.parametrize("kind", [CharCounts, WittenBellCounts])
def test_a_text_is_predicted_better_by_its_own_kind(kind: type[CharCounts]) -> None:
    counts = kind(["abab abab abab", "abab ab abab", "xyzzy xyz zy"], 3)
    everything = counts.sums([0, 1, 2])
    assert counts.entropy(0, counts.model(everything, [0, 2])) < counts.entropy(0, counts.model(everything, [0, 1]))


def _kneser_ney_entropy(text: str, training: list[str], order: int, alphabet: int) -> float:
    """Interpolated Kneser-Ney counted with dictionaries: plain counts at the highest order, below it the number of
    distinct characters seen before each n-gram; padding before each text, as the counted model."""
    pad = "\0" * (order - 1)
    grams: Counter[str] = Counter()
    for t in training:
        padded = pad + t
        for i in range(order - 1, len(padded)):
            for k in range(1, order + 1):
                grams[padded[i - k + 1 : i + 1]] += 1
    table: dict[int, Counter[str]] = {order: Counter({g: c for g, c in grams.items() if len(g) == order})}
    for k in range(1, order):
        table[k] = Counter(g[1:] for g in grams if len(g) == k + 1)
    bits, padded = 0.0, pad + text
    for i in range(order - 1, len(padded)):
        p = 1.0 / alphabet
        for k in range(1, order + 1):
            context, gram = padded[i - k + 1 : i], padded[i - k + 1 : i + 1]
            following = {g: c for g, c in table[k].items() if g[:-1] == context}
            n, d = sum(following.values()), len(following)
            if n:
                p = max(table[k].get(gram, 0) - DISCOUNT, 0) / n + DISCOUNT * d / n * p
        bits -= math.log2(p)
    return bits / len(text)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_counted_kneser_ney_model_matches_the_dictionary_model(order: int) -> None:
    counts = KneserNeyCounts(TEXTS, order)
    alphabet = len(set("".join(TEXTS))) + 1
    got = counts.entropy(0, counts.model(counts.sums([0, 1, 2, 3]), [0]))
    assert got == pytest.approx(_kneser_ney_entropy(TEXTS[0], TEXTS[1:], order, alphabet))
    got = counts.entropy(1, counts.model(counts.sums([0, 2, 3]), [2]))
    assert got == pytest.approx(_kneser_ney_entropy(TEXTS[1], [TEXTS[0], TEXTS[3]], order, alphabet))
