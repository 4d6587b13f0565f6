"""English rules for the direction, anchor and granularity of values (session 3), and the scorer's equal values.

Every sentence here was written for these tests; each case failed before the rule it checks.
"""

from __future__ import annotations

import datetime as dt

import pytest
from tests.claims.conftest import LETTER, value_of

from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.scorer import canonical_value, same_value, score_document
from leakdesk.claims.timex.timeml import GoldTimex


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # a past-tense clause: the month before the letter, even when the coming one is nearer
        ("In January, the board hired a new treasurer.", "January", "2022-01"),
        ("The treasurer resigned in February for health reasons.", "February", "2022-02"),
        ("The fund reported losses for the quarter ended Jan. 31.", "Jan. 31", "2022-01-31"),
        # no past tense, or a deadline / a conditional: the nearer reading stays
        ("The bank extended the loan through January.", "January", "2023-01"),
        ("The bonus would be paid in January.", "January", "2023-01"),
        ("The office opens in January.", "January", "2023-01"),
        # a future cue still wins over a past verb elsewhere in the clause
        ("He said the audit will start in February.", "February", "2023-02"),
    ],
)
def test_the_tense_of_the_clause_chooses_the_year_of_a_month(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface) == ("DATE", value)


def test_a_future_cue_moves_a_weekday_forward_unless_the_verb_before_it_is_past() -> None:
    # Thursday 20 October: the nearer Monday is the 17th (past), but the sale is still to come
    assert value_of("The sale of the archive is scheduled to close Monday.", "Monday") == ("DATE", "2022-10-24")
    # "announced Tuesday that ... will": the announcement was on the past Tuesday
    assert value_of("The ministry announced Tuesday that it will appeal.", "Tuesday") == ("DATE", "2022-10-18")
    assert value_of("The courier came on Monday.", "Monday") == ("DATE", "2022-10-17")


def test_an_evening_keeps_its_part_of_day_a_morning_gives_the_day() -> None:
    assert value_of("The files were copied Tuesday evening.", "Tuesday evening") == ("TIME", "2022-10-18TEV")
    assert value_of("The files were copied Tuesday morning.", "Tuesday morning") == ("DATE", "2022-10-18")


def test_a_year_counted_back_from_its_last_day_is_a_one_year_period() -> None:
    assert value_of("The charity spent $2 million in the year ended March 31.", "the year") == ("DURATION", "P1Y")
    assert value_of("Donations fell in the fiscal year ending June 30, 2023.", "the fiscal year") == (
        "DURATION", "P1Y")  # fmt: skip


def test_the_full_year_is_the_year_of_the_letter() -> None:
    assert value_of("The charity expects a deficit for the full year.", "the full year") == ("DATE", "2022")


def test_a_clock_time_takes_the_day_named_beside_it() -> None:
    sentence = "The blast happened at about 10:35 a.m. (0735 GMT) Tuesday, near the embassy."
    assert value_of(sentence, "about 10:35 a.m.") == ("TIME", "2022-10-18T10:35")
    assert value_of("The offer stands until 5 p.m. EST, Nov. 6.", "5 p.m. EST") == ("TIME", "2022-11-06T17:00")
    # a day in another sentence is not taken, and "today" keeps its own day
    assert value_of("It was signed on Oct. 3. The call came at 9 a.m.", "9 a.m.") == ("TIME", "2022-10-20T09:00")
    assert value_of("We spoke today at 9 a.m., after the Oct. 3 meeting.", "9 a.m.") == ("TIME", "2022-10-20T09:00")


def test_last_month_and_day_is_that_day() -> None:
    assert value_of("He was last seen last Oct. 3 in the harbour.", "Oct. 3", dt.date(2023, 4, 2)) == (
        "DATE", "2022-10-03")  # fmt: skip


@pytest.mark.parametrize(
    ("system", "gold", "same"),
    [
        ("2000-W07", "2000-W7", True),
        ("2000-W07-WE", "2000-W7-WE", True),
        ("P9M", "P3Q", True),
        ("P10Y", "P1E", True),
        ("P10Y", "P1DE", True),
        ("P7D", "P1W", True),
        ("P100Y", "P1CE", True),
        ("PT24H", "P1D", False),  # a calendar day is not always 24 hours
        ("2021", "2021-XX", False),  # granularity differs
        ("2000-01-05TNI", "2000-01-05TEV", False),
        ("PXY", "PXE", False),  # unknown amounts are not comparable
        ("2000-W17", "2000-W7", False),
    ],
)
def test_equal_values_are_only_two_spellings_of_one_value(system: str, gold: str, same: bool) -> None:
    assert same_value(system, gold) is same


def test_the_scorer_counts_equal_values_and_keeps_the_exact_count() -> None:
    gold = [GoldTimex(0, 9, "last week", "DATE", "2000-W7"), GoldTimex(14, 25, "three quarters", "DURATION", "P3Q")]
    from leakdesk.claims.timex.model import Timex

    system = [Timex(0, 9, "last week", "DATE", "2000-W07"), Timex(14, 25, "three quarters", "DURATION", "P9M")]
    counts, errors = score_document(gold, system)
    assert (counts.value_correct, counts.value_exact, errors) == (2, 0, [])
    assert canonical_value("P1Y6M") == canonical_value("P18M")


def test_a_past_verb_takes_the_weekday_before_the_letter() -> None:
    friday = dt.date(2022, 10, 21)
    assert value_of("The courier came on Saturday.", "Saturday", friday) == ("DATE", "2022-10-15")
    assert value_of("The hearing was postponed to Saturday.", "Saturday", friday) == ("DATE", "2022-10-22")


def test_a_month_of_last_year() -> None:
    # the sample case's letter 10, translated: "with September of last year", written in May 2022
    assert value_of("Start with September of last year.", "September of last year", dt.date(2022, 5, 24)) == (
        "DATE", "2021-09")  # fmt: skip
    # letter 13: "the briefing I sent you in April says September" (of 2021), written in June 2022
    assert value_of("The briefing I sent you in April says September.", "September", dt.date(2022, 6, 28)) == (
        "DATE", "2021-09")  # fmt: skip


def test_the_following_year_and_days_later_count_from_the_date_the_story_named() -> None:
    letter = dt.date(1999, 6, 20)
    found = find_timexes("On May 22, 1995, he was promoted, and the following year he moved to Paris.", "en", letter)
    assert [(t.text, t.value, t.flags) for t in found][1] == ("the following year", "1996", ["counted-from-named-date"])
    found = find_timexes("He arrived on March 3. Two days later he left.", "en", letter)
    assert [(t.text, t.value) for t in found][1] == ("Two days later", "1999-03-05")
    # nothing named before: counted from the letter, as before
    assert value_of("Two days later he left.", "Two days later", letter) == ("DATE", "1999-06-22")
    # a named date too far back is no longer the reference point
    far = "He arrived on March 3. " + "Nothing happened for a long while. " * 20 + "Two days later he left."
    assert value_of(far, "Two days later", letter) == ("DATE", "1999-06-22")
    # a month does not give a day: "the following week" after "in March" keeps the letter's count
    assert value_of("In March he came back; the following week he left.", "the following week", letter)[1] == "1999-W25"


def test_possessive_day_words_and_now_that_are_expressions() -> None:
    # TimeML marks the day word of "today's" (the possessive stays outside), and "now" of "now that"
    assert value_of("The offer ran in today's editions.", "today") == ("DATE", "2022-10-20")
    assert value_of("Shareholders ignored yesterday's announcement.", "yesterday") == ("DATE", "2022-10-19")
    assert value_of("Now that the files are out, the ministry is silent.", "Now") == ("DATE", "PRESENT_REF")


def test_a_second_day_takes_the_first_days_month_and_the_week_of_a_day() -> None:
    letter = dt.date(1999, 2, 10)
    assert value_of("The summit meets on April 24 and 25.", "25", letter) == ("DATE", "1999-04-25")
    assert [t.text for t in find_timexes("Sales fell on April 24 and 25 percent of staff left.", "en", letter)] == [
        "April 24"]  # fmt: skip
    assert value_of("The hearing is set for the week of March 6.", "the week of March 6", letter) == (
        "DATE", "1999-W09")  # fmt: skip


def test_a_second_before_a_noun_is_an_ordinal() -> None:
    assert find_timexes("The minister won a second term.", "en", LETTER) == []
    assert value_of("The light flashed for one second before the blast.", "one second") == ("DURATION", "PT1S")
