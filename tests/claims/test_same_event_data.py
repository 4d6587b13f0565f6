"""The same-event pairs are balanced as their README says, and the benchmark's scoring counts right."""

from __future__ import annotations

from collections import Counter

from benchmarks.claims_matching import kind_of, load, prf


def test_each_split_has_fifteen_of_each_class_in_four_kinds() -> None:
    for split in ("dev", "test"):
        pairs = load(split)
        assert len(pairs) == 30 and sum(p["same_event"] for p in pairs) == 15
        kinds = Counter(kind_of(p) for p in pairs)
        assert kinds == {"ru-ru": 8, "ru-en, no translation": 8, "ru-en, English of the Russian stored": 8, "en-en": 6}
    assert len({p["id"] for p in load("all")}) == 60


def test_precision_recall_count_a_missing_claim_as_not_matched() -> None:
    rows = [{"gold": True, "found": True, "claims": True}, {"gold": True, "found": False, "claims": False},
            {"gold": False, "found": True, "claims": True}, {"gold": False, "found": False, "claims": True}]
    assert prf(rows) == {"pairs": 4, "same": 2, "precision": 0.5, "recall": 0.5, "f1": 0.5, "with_both_claims": 3}
