"""English rules of session 6 (issue 14, item 6): which week or year a weekday or a month names, read from grammar.

Every sentence here was written for these tests; each case failed before the rule it checks. The letter is dated
Thursday 20 October 2022 (`LETTER`).
"""

from __future__ import annotations

import pytest
from tests.claims.conftest import LETTER, value_of

from leakdesk.claims.timex import find_timexes


def test_the_previous_or_following_weekday_counts_from_the_day_the_story_named() -> None:
    # "the previous Friday" is anaphoric: the Friday before Friday 14 October, not the Friday before the letter
    sentence = "The index closed at 2,082 on Friday, Oct. 14, down 4% from the previous Friday."
    found = [t for t in find_timexes(sentence, "en", LETTER) if t.text == "the previous Friday"]
    assert [(t.value, t.flags) for t in found] == [("2022-10-07", ["counted-from-named-date"])]
    sentence = "The talks opened on Tuesday, Oct. 4, and closed the following Monday."
    assert value_of(sentence, "the following Monday") == ("DATE", "2022-10-10")
    # with no day named before it, the letter's date is the reference (as "last Friday")
    assert value_of("Prices fell from the previous Friday.", "the previous Friday") == ("DATE", "2022-10-14")


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # something moved to a later day is still to come, even with a past verb
        ("The vote was postponed until Tuesday.", "Tuesday", "2022-10-25"),
        ("The hearing was put off until Tuesday morning.", "Tuesday morning", "2022-10-25"),
        ("The sale was delayed until March.", "March", "2023-03"),
        # "as soon as", "as early as" name the earliest day of something to come
        ("Police could arrive as soon as Monday.", "Monday", "2022-10-24"),
        # a schedule told in the past is no scheduled present: the day is the one before the letter
        ("The bid had been due to expire Monday.", "Monday", "2022-10-17"),
        # an adverb between the scheduled present and the weekday
        ("The two leaders meet separately Monday with the envoy.", "Monday", "2022-10-24"),
    ],
)
def test_words_before_a_weekday_or_month_that_put_it_after_the_letter(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        # the month goes with the nearer verb: "announced" (past), not the plan's future
        ("In September, the firm announced plans to buy a rival.", "2022-09"),
        ("Shares issued September 1, which will receive a smaller dividend, were sold.", "2022-09-01"),
        # a participle carries no past tense: "will be named", "untouched by" leave the future cue nearest
        ("The pilot will be named commander for a flight in September.", "2023-09"),
        ("The airline will double its flights by September in markets untouched by the crisis.", "2023-09"),
    ],
)
def test_a_past_verb_nearer_the_month_than_the_future_cue_keeps_it_in_the_past(sentence: str, value: str) -> None:
    month = next(t for t in find_timexes(sentence, "en", LETTER) if t.text.startswith("September"))
    assert month.value == value


def test_the_last_half_of_a_year_is_its_second_half() -> None:
    assert value_of("Sales rose in the last half of 2021.", "the last half of 2021") == ("DATE", "2021-H2")
    # a half hour, or the half of a decade, is not a half-year (since session 11 the half hour is a duration)
    assert value_of("He spoke for the last half hour.", "the last half hour") == ("DURATION", "PT30M")
    assert value_of("Rents doubled in the last half of the 1980s.", "the 1980s") == ("DATE", "198")


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        ("We meet next Monday evening.", "next Monday evening", "2022-10-24TEV"),
        ("It happened last Friday morning.", "last Friday morning", "2022-10-14"),
        ("We leave this Saturday morning.", "this Saturday morning", "2022-10-22"),
    ],
)
def test_a_shift_word_before_a_weekday_and_part_of_day_is_in_it(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # "since" starts a stretch that reaches the letter: the month or day is not after it
        ("He has been in office since January.", "January", "2022-01"),
        ("The fund will report its losses since Monday.", "Monday", "2022-10-17"),
        ("The fund will have grown 5% since late January.", "late January", "2022-01"),
        ("Since Oct. 25 the price rose.", "Oct. 25", "2021-10-25"),
    ],
)
def test_since_before_a_month_or_weekday_puts_it_before_the_letter(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


def test_a_past_verb_next_to_a_month_wins_over_a_future_cue_further_on() -> None:
    sentence = "The bill passed the House in January and the Senate will take it up in February."
    assert [(t.text, t.value) for t in find_timexes(sentence, "en", LETTER)] == [
        ("January", "2022-01"), ("February", "2023-02")]  # fmt: skip


def test_earlier_counts_from_the_named_date_and_ago_from_the_letter() -> None:
    # "earlier", like "later", is anaphoric; "ago" is counted from the moment of writing
    assert value_of("The plant opened on May 3, 2019. Two days earlier, the permit arrived.", "Two days earlier") == (
        "DATE", "2019-05-01")  # fmt: skip
    assert value_of("The firm was founded in 1990. Three years earlier, its owner left.", "Three years earlier") == (
        "DATE", "1987")  # fmt: skip
    assert value_of("The plant opened on May 3, 2019. Two days ago, the permit arrived.", "Two days ago") == (
        "DATE", "2022-10-18")  # fmt: skip


def test_high_noon_is_no_clock_time() -> None:
    assert find_timexes("The poster showed Gary Cooper in High Noon.", "en", LETTER) == []
    assert find_timexes("For the union, high noon comes at the vote.", "en", LETTER) == []
    assert value_of("The vote is at noon.", "noon") == ("TIME", "2022-10-20T12:00")
