"""English rules of session 10 (issue 14, item 6): quarters, halves and holidays take the tense of their clause, as
months do; "the past" before a count is no PAST_REF.

Every sentence here was written for these tests; each case failed before the rule it checks, but for the guards.
The letters are dated Thursday 20 October 2022 (`LETTER`, the fourth quarter, the second half) and Thursday
10 February 2022 (`FEBRUARY`, the first quarter, the first half).
"""

from __future__ import annotations

import datetime as dt

import pytest
from tests.claims.conftest import LETTER, value_of

from leakdesk.claims.timex import find_timexes

FEBRUARY = dt.date(2022, 2, 10)


@pytest.mark.parametrize(
    ("sentence", "surface", "anchor", "value"),
    [
        # a future clause with the quarter as its time: a quarter already gone this year is next year's
        ("The firm will cut jobs in the first quarter.", "the first quarter", LETTER, "2023-Q1"),
        ("The plant is scheduled to open during the second quarter.", "the second quarter", LETTER, "2023-Q2"),
        # a forecast in the present tense is no past: a quarter still to come this year stays this year's
        ("The company expects a profit in the fourth quarter.", "the fourth quarter", FEBRUARY, "2022-Q4"),
        ("Analysts see a recovery in the third quarter.", "the third quarter", FEBRUARY, "2022-Q3"),
        # halves as quarters: a past clause about a half not yet begun is last year's, a future one next year's
        ("Sales were weak in the second half.", "the second half", FEBRUARY, "2021-H2"),
        ("Sales will recover in the first half.", "the first half", LETTER, "2023-H1"),
    ],
)
def test_quarters_and_halves_take_the_tense_of_their_clause(
    sentence: str, surface: str, anchor: dt.date, value: str
) -> None:
    assert value_of(sentence, surface, anchor)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "anchor", "value"),
    [
        # guards: these were right before and stay so
        ("Sales will rise in the fourth quarter.", "the fourth quarter", LETTER, "2022-Q4"),
        ("Profits rose in the third quarter.", "the third quarter", LETTER, "2022-Q3"),
        ("Profits rose in the third quarter.", "the third quarter", FEBRUARY, "2021-Q3"),
        # a quarter named as an attribute is one already past: its results are told after it
        ("The company will restate its third-quarter results.", "third-quarter", LETTER, "2022-Q3"),
        ("Sales will recover in the second half.", "the second half", FEBRUARY, "2022-H2"),
        ("Sales were weak in the first half.", "the first half", LETTER, "2022-H1"),
    ],
)
def test_quarters_and_halves_guards(sentence: str, surface: str, anchor: dt.date, value: str) -> None:
    assert value_of(sentence, surface, anchor)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # a past clause: the holiday before the letter, even when the coming one is nearer (October: Christmas 2022
        # is 66 days ahead, Christmas 2021 300 days back)
        ("Families gathered at Christmas.", "Christmas", "2021-12-25"),
        ("The nation celebrated New Year's Day.", "New Year's Day", "2022-01-01"),
        ("The board met on Thanksgiving.", "Thanksgiving", "2021-11-25"),
        # guards: a future clause or no tense keeps the coming (nearest) one
        ("The shops will be busy at Christmas.", "Christmas", "2022-12-25"),
        ("He would be home by Christmas, he said.", "Christmas", "2022-12-25"),
    ],
)
def test_a_holiday_in_a_past_clause_is_the_one_before(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    "sentence",
    ["The past two sessions were volatile.", "Over the past few elections he lost votes.",
     "In the past 3 summers the river flooded."],
)  # fmt: skip
def test_the_past_before_a_count_is_no_past_ref(sentence: str) -> None:
    assert [t.value for t in find_timexes(sentence, "en", LETTER) if t.value == "PAST_REF"] == []


def test_the_past_alone_stays_past_ref() -> None:
    found = find_timexes("In the past a man could buy a house.", "en", LETTER)
    assert [(t.text, t.value) for t in found] == [("the past", "PAST_REF")]
