"""English rules of session 4 (issue 14, item 6): general calendar knowledge rather than cases of the tune documents.

Every sentence here was written for these tests; each case failed before the rule it checks.
"""

from __future__ import annotations

import pytest
from tests.claims.conftest import LETTER, value_of

from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.en_relative import easter


def test_a_day_spelt_as_an_ordinal_after_its_month() -> None:
    # transcribed broadcasts spell the day out
    assert value_of("The runoff is on November sixth.", "November sixth") == ("DATE", "2022-11-06")
    assert value_of("The deadline was March the twenty-first.", "March the twenty-first") == ("DATE", "2022-03-21")
    # "the second quarter" after a month is not a day
    assert [t.text for t in find_timexes("In March second quarter sales fell.", "en", LETTER)][0] == "March"


def test_a_season_of_a_year_named_relative_to_the_letter_is_one_expression() -> None:
    assert value_of("The mill reopens in the spring of next year.", "the spring of next year") == ("DATE", "2023-SP")
    assert value_of("The audit began in the summer of last year.", "the summer of last year") == ("DATE", "2021-SU")


def test_every_weekday_with_a_part_of_day_is_one_set() -> None:
    assert value_of("The couriers met every Tuesday night.", "every Tuesday night") == ("SET", "XXXX-WXX-2TNI")


def test_centuries_ago_give_a_century() -> None:
    assert value_of("The estate was mortgaged a century ago.", "a century ago") == ("DATE", "19")


def test_mid_afternoon_written_as_two_words() -> None:
    assert value_of("By mid afternoon the archive was sealed.", "mid afternoon") == ("TIME", "2022-10-20TAF")


def test_easter_follows_the_gregorian_computus() -> None:
    assert [easter(y).isoformat() for y in (1998, 2000, 2019, 2024, 2038)] == [
        "1998-04-12", "2000-04-23", "2019-04-21", "2024-03-31", "2038-04-25"]  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        ("The transfer was signed on Good Friday.", "Good Friday", "2022-04-15"),
        ("The union marched on Labor Day.", "Labor Day", "2022-09-05"),
        ("The count ends on Election Day.", "Election Day", "2022-11-08"),
        ("The files were moved over Memorial Day.", "Memorial Day", "2022-05-30"),
        ("The ledger closes on Boxing Day 2021.", "Boxing Day 2021", "2021-12-26"),
        ("He will be back after Easter.", "Easter", "2023-04-09"),
    ],
)
def test_named_holidays_get_their_date(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface) == ("DATE", value)


def test_a_holiday_word_in_a_name_is_no_date() -> None:
    assert find_timexes("Christmas trees were sold outside.", "en", LETTER) == []


def test_a_clock_time_with_a_weekday_follows_the_clause_tense_like_the_weekday() -> None:
    # Thursday 20 October: the nearer Monday is the 17th, but the hearing is still to come
    assert value_of("The hearing is scheduled to begin at 9:30 a.m. Monday.", "9:30 a.m. Monday") == (
        "TIME", "2022-10-24T09:30")  # fmt: skip
    assert value_of("The guard saw him at 9:30 a.m. Monday.", "9:30 a.m. Monday") == ("TIME", "2022-10-17T09:30")


def test_this_coming_weekday_is_the_next_one() -> None:
    assert value_of("The board meets this coming Tuesday.", "this coming Tuesday") == ("DATE", "2022-10-25")


def test_the_article_before_a_modified_decade_belongs_to_the_span() -> None:
    assert value_of("The mill was built in the late 1970s.", "the late 1970s") == ("DATE", "197")
    assert value_of("The mill was built in the 1970s.", "the 1970s") == ("DATE", "197")


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # Thursday 20 October: the nearer Monday and Sunday are behind, but a scheduled present names what is to come
        ("Talks resume Monday in Vienna.", "Monday", "2022-10-24"),
        ("The ministers are to meet Sunday in Geneva.", "Sunday", "2022-10-23"),
        ("He said the hearing opens Monday.", "Monday", "2022-10-24"),
        ("The appeal court sits in June.", "June", "2023-06"),
        # a past verb stays in the past
        ("Talks resumed Monday in Vienna.", "Monday", "2022-10-17"),
        ("The court heard the appeal in June.", "June", "2022-06"),
    ],
)
def test_a_scheduled_present_tense_moves_a_weekday_or_a_month_forward(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface) == ("DATE", value)
