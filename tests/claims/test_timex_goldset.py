"""A slice of leakdesk's Russian gold set (benchmarks/data/timex-ru) as a regression test, plus TimeML reading."""

from __future__ import annotations

from pathlib import Path

from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.scorer import score_document
from leakdesk.claims.timex.timeml import read_timeml

GOLD = Path(__file__).parents[2] / "benchmarks" / "data" / "timex-ru" / "dev"


def test_reader_keeps_offsets_language_and_anchor() -> None:
    doc = read_timeml(GOLD / "dev-letter-01.tml")
    assert doc.language == "ru" and doc.dct is not None and doc.dct.isoformat() == "2022-03-17"
    assert len(doc.timexes) >= 15
    for g in doc.timexes:
        assert doc.text[g.start : g.end] == g.text
    first = doc.timexes[0]
    assert (first.text, first.type, first.value) == ("сегодня", "DATE", "2022-03-17")


def test_dev_letters_are_found_with_their_values() -> None:
    """Every expression of these letters is found with its exact span and value."""
    wrong = set()
    for path in sorted(GOLD.glob("dev-letter-0[1-5].tml")):
        doc = read_timeml(path)
        system = find_timexes(doc.text, doc.language, doc.dct)
        counts, errors = score_document(doc.timexes, system)
        assert counts.strict_gold == counts.gold == counts.system, (path.name, errors)
        wrong |= {(path.name, e["gold"]) for e in errors}
    assert wrong == set()
