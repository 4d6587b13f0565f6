"""English rules of session 7 (issue 14, item 6): years read out in words inside a date, and the year-ago quarter of
the quarter a sentence names.

Every sentence here was written for these tests; each case failed before the rule it checks. The letter is dated
Thursday 20 October 2022 (`LETTER`).
"""

from __future__ import annotations

import pytest
from tests.claims.conftest import LETTER, value_of

from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.en import year_number


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # a month, a season or a day with its year in words is one expression (broadcast transcripts write years so)
        ("The plant shut in January nineteen ninety-seven.", "January nineteen ninety-seven", "1997-01"),
        ("The winter of nineteen ninety-four was the coldest.", "The winter of nineteen ninety-four", "1994-WI"),
        ("The treaty was signed on March 8, nineteen ninety-eight.", "March 8, nineteen ninety-eight", "1998-03-08"),
        ("They met on March eighth, nineteen ninety-eight.", "March eighth, nineteen ninety-eight", "1998-03-08"),
        ("The summer of eighteen sixty-five ended the war.", "The summer of eighteen sixty-five", "1865-SU"),
    ],
)
def test_a_year_in_words_belongs_to_the_date_before_it(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


def test_a_number_in_words_after_a_month_is_no_year() -> None:
    # "nineteen hundred people": a count, not a year; the month stays alone
    found = find_timexes("In March nineteen hundred people came.", "en", LETTER)
    assert [(t.text, t.value) for t in found] == [("March", "2022-03")]


def test_year_number_reads_digits_and_words() -> None:
    assert [year_number(s) for s in ("1994", "nineteen ninety-four", "nineteen-ten", "eighteen sixty")] == [
        1994, 1994, 1910, 1860]  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # the year-ago quarter is the quarter the sentence reports, a year before (not the last one completed)
        ("Sales in the first quarter rose 5% from a year earlier.", "a year earlier", "2021-Q1"),
        ("Net income in the second quarter rose from the year-ago quarter.", "the year-ago quarter", "2021-Q2"),
        ("First-quarter profit rose from $3 million a year ago.", "a year ago", "2021-Q1"),
        ("First-quarter profit rose from the year-earlier $3 million.", "the year-earlier", "2021-Q1"),
        ("Profit for the fourth quarter of 2020 rose from a year earlier.", "a year earlier", "2019-Q4"),
        # without a quarter named in its sentence: the year-ago quarter of the last one completed, as before
        ("Third-quarter profit rose. Sales rose 4% from a year earlier.", "a year earlier", "2021-Q3"),
    ],
)
def test_the_year_ago_quarter_is_that_of_the_quarter_named(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # year-end is the year's last day (a balance date); "since year-end" the last one before the letter
        ("The sale should be complete by year-end.", "year-end", "2022-12-31"),
        ("The index has risen 8% since year-end.", "year-end", "2021-12-31"),
        # a holiday with a shift word: "last Christmas" in October is the one before, not the coming one
        ("Last Christmas, the plant was shut.", "Last Christmas", "2021-12-25"),
        ("He was found last Thanksgiving.", "last Thanksgiving", "2021-11-25"),
        ("Next Easter the church reopens.", "Next Easter", "2023-04-09"),
        ("This Christmas will be quiet.", "This Christmas", "2022-12-25"),
        # a year in the possessive before a quarter is that quarter's year
        ("Fiscal 2021's first quarter was weak.", "Fiscal 2021's first quarter", "2021-Q1"),
        ("2020's fourth quarter was weak.", "2020's fourth quarter", "2020-Q4"),
    ],
)
def test_year_end_holidays_with_a_shift_and_possessive_years(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


def test_the_last_week_of_a_month_is_not_the_week_before_the_letter() -> None:
    # "the last week of June" is part of June; "the last week" alone would be the week before the letter
    found = find_timexes("The last week of June was hot.", "en", LETTER)
    assert [(t.text, t.value) for t in found] == [("June", "2022-06")]
    assert value_of("Prices fell in the last year of his term and last week.", "last week")[1] == "2022-W41"


@pytest.mark.parametrize(
    "sentence",
    [
        # the clause goes on past a decimal point and the periods of "vs." and "U.S.": "will" still speaks of March
        "Sales will rise 1.5% in March.",
        "The court will hear Smith vs. Jones in March.",
        # "succeed", "need", "proceed" are no past tense: "will" is the clause's tense
        "Mr. Lee, 52 years old, will succeed Anna Ortiz in March.",
    ],
)
def test_a_future_clause_is_read_whole(sentence: str) -> None:
    assert value_of(sentence, "March")[1] == "2023-03"


def test_sentence_ends_and_past_verbs() -> None:
    from leakdesk.claims.timex.en import PAST, SENTENCE_END

    text = "He met Roe vs. Wade in the U.S. on Jan. 5. Then; rates rose 1.5% at Acme Inc. today"
    assert SENTENCE_END.positions(text, 0, len(text)) == [text.index(". Then"), text.index("; rates")]
    words = "need indeed proceed exceed succeed speed feed succeeded exceeded needed rained"
    assert [m.group() for m in PAST.finditer(words)] == ["succeeded", "exceeded", "needed", "rained"]


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        # a month that opens its sentence goes with the sentence's verb, however far it stands
        ("In January, a week after the anniversary of the Smith vs. Jones ruling, a fire in Mobile, Ala., destroyed "
         "the plant.", "2022-01"),
        ("In March, after a long and bitter dispute between the two largest unions of the port, the new contract "
         "will take effect.", "2023-03"),
    ],
)  # fmt: skip
def test_a_month_that_opens_its_sentence_takes_the_sentence_verb(sentence: str, value: str) -> None:
    assert value_of(sentence, sentence.split(",")[0].removeprefix("In "))[1] == value
