"""The Witten-Bell variant of benchmarks/series_sequential.py against a plain dictionary implementation (the product's
model, absolute discounting, is held to the same in tests/authorship/test_sequential.py)."""

from __future__ import annotations

import pytest
from benchmarks.series_sequential import WittenBellCounts

from leakdesk.authorship.sequential import CharCounts
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
