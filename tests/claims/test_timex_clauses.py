"""Session 9 (issue 14, item 6): a month takes the tense of the clause that holds it, not of another clause of its
sentence ("The chairman said that in January the board will meet" is the coming January).

Every sentence here was written for these tests. The letter is dated 5 October 2022: the past January is 2022-01,
the coming one 2023-01.
"""

from __future__ import annotations

import datetime as dt

import pytest

from leakdesk.claims.timex import find_timexes

OCTOBER = dt.date(2022, 10, 5)


def values(text: str, language: str, anchor: dt.date = OCTOBER) -> list[tuple[str, str]]:
    return [(t.text, t.value) for t in find_timexes(text, language, anchor)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the reporting verb is another clause's: the month is in the clause of "will meet"
        ("The chairman said that in January the board will meet again.", [("January", "2023-01")]),
        ("Officials confirmed that in January the committee will vote.", [("January", "2023-01")]),
        # a month alone before its comma goes with the main clause, not with the relative clause between
        ("In January, after the merger that was announced in May, the board will meet.",
         [("January", "2023-01"), ("May", "2022-05")]),
        ("In January the board, which was elected in June, will meet.", [("January", "2023-01"), ("June", "2022-06")]),
        # "elected" after "newly" qualifies the board: no past verb
        ("In January the newly elected board will meet.", [("January", "2023-01")]),
        # the main clause's past tense does not reach into the clause after "that"
        ("She wrote that on January 12 the new board will meet.", [("January 12", "2023-01-12")]),
    ],
)
def test_an_english_month_takes_the_tense_of_its_own_clause(sentence: str, expected: list[tuple[str, str]]) -> None:
    assert values(sentence, "en") == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Председатель сказал, что в январе совет соберётся.", [("январе", "2023-01")]),
        # a relative clause is no saying: March is counted from the letter, not from the January before it
        ("В январе совет, который соберётся снова в марте, утвердил план.",
         [("январе", "2022-01"), ("марте", "2023-03")]),
        ("В январе совет соберётся, сообщил председатель.", [("январе", "2023-01")]),
        ("В январе, как нам сообщили, совет соберётся.", [("январе", "2023-01")]),
        ("Как стало известно, в январе совет соберётся.", [("январе", "2023-01")]),
        ("Вчера нам сообщили: в январе совет соберётся снова.", [("Вчера", "2022-10-04"), ("январе", "2023-01")]),
        ("В январе совет соберётся на заседание, которое было отложено.", [("январе", "2023-01")]),
        # a participle phrase has its own (past) tense: «избранный в июне» is the June before
        ("Совет, избранный в июне, в январе соберётся.", [("июне", "2022-06"), ("январе", "2023-01")]),
    ],
)
def test_a_russian_month_takes_the_tense_of_its_own_clause(sentence: str, expected: list[tuple[str, str]]) -> None:
    assert values(sentence, "ru") == expected


def test_a_past_clause_keeps_its_past_month() -> None:
    # the guard of the rule: a month in a past clause stays in the past, whatever the clause beside it says
    assert values("In January the board, which will meet again in March, approved the plan.", "en") == [
        ("January", "2022-01"), ("March", "2023-03")]  # fmt: skip
    assert values("В январе совет, который соберётся снова в марте, утвердил план.", "ru") == [
        ("январе", "2022-01"), ("марте", "2023-03")]  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "language", "expected"),
    [
        # the future of a saying counts from the saying's time, when the sentence names it before the clause
        ("On December 3 the chairman said that in February the board will meet.", "en",
         [("December 3", "2021-12-03"), ("February", "2022-02")]),
        ("3 декабря председатель сказал, что в феврале совет соберётся.", "ru",
         [("3 декабря", "2021-12-03"), ("феврале", "2022-02")]),
    ],
)
def test_reported_future_counts_from_the_named_time_of_the_saying(sentence: str, language: str,
                                                                  expected: list[tuple[str, str]]) -> None:
    # counted from the letter (10 March 2022), the coming February would be 2023-02
    assert values(sentence, language, dt.date(2022, 3, 10)) == expected


def test_reported_future_without_a_named_saying_time_counts_from_the_letter() -> None:
    # "said that ... will" keeps the speaker's future: the February after the letter
    found = find_timexes("The chairman said that in February the board will meet.", "en", dt.date(2022, 3, 10))
    assert [(t.value, t.flags) for t in found] == [("2023-02", [])]


@pytest.mark.parametrize(
    ("sentence", "language", "expected"),
    [
        # the same rule for a weekday and a season (5 October 2022 is a Wednesday)
        ("The chairman said that on Friday the board will meet.", "en", [("Friday", "2022-10-07")]),
        ("Председатель сказал, что в пятницу совет соберётся.", "ru", [("пятницу", "2022-10-07")]),
        ("В пятницу, как нам сообщили, совет соберётся.", "ru", [("пятницу", "2022-10-07")]),
        ("Весной, как нам сообщили, совет соберётся.", "ru", [("Весной", "2023-SP")]),
        ("Председатель сказал, что весной совет соберётся.", "ru", [("весной", "2023-SP")]),
        # the guards: a weekday that goes with the saying stays in the past
        ("The chairman said on Friday that the board will meet.", "en", [("Friday", "2022-09-30")]),
        ("В пятницу председатель сказал, что совет соберётся.", "ru", [("пятницу", "2022-09-30")]),
    ],
)
def test_a_weekday_or_a_season_takes_the_tense_of_its_own_clause(sentence: str, language: str,
                                                                  expected: list[tuple[str, str]]) -> None:
    assert values(sentence, language) == expected


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        # a perfective infinitive after a present modal is still to come
        ("В январе совет должен собраться.", "2023-01"),
        ("В январе совет может собраться.", "2023-01"),
        ("В январе совет обещает собраться.", "2023-01"),
        ("В январе нужно сдать отчёт.", "2023-01"),
        # the guards: the modal in the past keeps the past January
        ("В январе совет должен был собраться.", "2022-01"),
        ("В январе совет обещал собраться.", "2022-01"),
        ("В январе надо было сдать отчёт.", "2022-01"),
    ],
)
def test_a_russian_modal_with_a_perfective_infinitive_points_forward(sentence: str, value: str) -> None:
    [found] = find_timexes(sentence, "ru", OCTOBER)
    assert found.value == value
