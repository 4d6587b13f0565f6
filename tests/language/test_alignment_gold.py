"""The alignment gold sets load, and each letter is whole: every sentence in exactly one bead, in order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from leakdesk.language.evaluate import GoldPair

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
SETS = [
    "alignment",
    "alignment-heldout",
    "alignment-heldout-2",
    "alignment-heldout-3",
    "alignment-heldout-4",
    "alignment-heldout-5",
]


@pytest.mark.parametrize("name", SETS)
def test_gold_beads_cover_every_sentence_once(name: str) -> None:
    files = sorted((DATA / name).glob("*.json"))
    assert files
    for path in files:
        pair = GoldPair.load(path)
        source, target = pair.sentences()
        gold = pair.gold_index_beads()
        assert sorted(i for src, _ in gold for i in src) == list(range(len(source)))
        assert sorted(j for _, tgt in gold for j in tgt) == list(range(len(target)))
        assert all(src or tgt for src, tgt in gold)


def test_the_third_held_out_set_is_as_its_readme_says() -> None:
    pairs = [GoldPair.load(p) for p in sorted((DATA / "alignment-heldout-3").glob("*.json"))]
    assert len(pairs) == 6
    assert all(10 <= len(p.sentences()[0]) <= 20 for p in pairs)
    kinds = Counter(f"{len(s)}-{len(t)}" for p in pairs for s, t in p.beads)
    assert kinds == {"1-1": 71, "2-1": 6, "1-2": 6, "1-0": 6, "0-1": 5}


@pytest.mark.parametrize(
    ("name", "letters", "kinds"),
    [
        ("alignment-heldout-4", 6, {"1-1": 61, "2-1": 6, "1-2": 6, "1-0": 7, "0-1": 6}),
        ("alignment-heldout-5", 4, {"1-1": 30, "2-1": 4, "1-2": 4, "1-0": 5, "0-1": 4}),
    ],
)
def test_the_session_10_held_out_sets_are_as_their_readmes_say(name: str, letters: int, kinds: dict[str, int]) -> None:
    pairs = [GoldPair.load(p) for p in sorted((DATA / name).glob("*.json"))]
    assert len(pairs) == letters
    assert Counter(f"{len(s)}-{len(t)}" for p in pairs for s, t in p.beads) == kinds
