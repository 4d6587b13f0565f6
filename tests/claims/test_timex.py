"""Temporal expressions: values, intervals, anchors and bad input, in Russian and English."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.claims.timex import Timex, find_timexes

ANCHOR = dt.date(2022, 3, 17)  # a Thursday


def only(text: str, language: str, anchor: dt.date | None = ANCHOR) -> Timex:
    found = find_timexes(text, language, anchor)
    assert len(found) == 1, [(t.text, t.value) for t in found]
    return found[0]


@pytest.mark.parametrize(
    ("sentence", "surface", "value", "start", "end"),
    [
        ("В августе прошлого года служба готовилась.", "августе прошлого года", "2021-08", "2021-08-01", "2021-08-31"),
        ("Летом 2021 года вертолёты перебросили.", "Летом 2021 года", "2021-SU", "2021-06-01", "2021-08-31"),
        ("Это было в третьем квартале.", "третьем квартале", "2022-Q3", "2022-07-01", "2022-09-30"),
        ("В начале 2021 года всё изменилось.", "начале 2021 года", "2021", "2021-01-01", "2021-04-30"),
        ("В конце 2021 года всё изменилось.", "конце 2021 года", "2021", "2021-09-01", "2021-12-31"),
        ("В первой половине 2021 года было тихо.", "первой половине 2021 года", "2021-H1", "2021-01-01", "2021-06-30"),
        ("Приказ пришёл третьего марта.", "третьего марта", "2022-03-03", "2022-03-03", "2022-03-03"),
        ("Встреча была двадцать пятого января 2020 года.", "двадцать пятого января 2020 года", "2020-01-25",
         "2020-01-25", "2020-01-25"),
        ("Он звонил позавчера.", "позавчера", "2022-03-15", "2022-03-15", "2022-03-15"),
        ("Это случилось две недели назад.", "две недели назад", "2022-W09", "2022-02-28", "2022-03-06"),
        ("В прошлом месяце нас проверяли.", "прошлом месяце", "2022-02", "2022-02-01", "2022-02-28"),
        ("На прошлой неделе нас проверяли.", "прошлой неделе", "2022-W10", "2022-03-07", "2022-03-13"),
        ("Увидимся в следующий четверг.", "следующий четверг", "2022-03-24", "2022-03-24", "2022-03-24"),
        ("Это было в 1990-х годах.", "1990-х годах", "199", "1990-01-01", "1999-12-31"),
        ("Документ от 12.07.2021 г. подписан.", "12.07.2021 г.", "2021-07-12", "2021-07-12", "2021-07-12"),
        ("В январе 2020 года начали.", "январе 2020 года", "2020-01", "2020-01-01", "2020-01-31"),
    ],
)  # fmt: skip
def test_russian_expressions(sentence: str, surface: str, value: str, start: str, end: str) -> None:
    t = only(sentence, "ru")
    assert (t.text, t.value) == (surface, value)
    assert sentence[t.start : t.end] == surface
    assert (t.interval_start, t.interval_end) == (dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    assert t.type == "DATE"


@pytest.mark.parametrize(
    ("sentence", "surface", "type_", "value"),
    [
        ("Last August the unit moved.", "Last August", "DATE", "2021-08"),
        ("It happened two weeks ago.", "two weeks ago", "DATE", "2022-W09"),
        ("He called yesterday.", "yesterday", "DATE", "2022-03-16"),
        ("We meet next Monday.", "next Monday", "DATE", "2022-03-21"),
        ("In the summer of 2021 they left.", "the summer of 2021", "DATE", "2021-SU"),
        ("Profit rose in the third quarter of 2021.", "the third quarter of 2021", "DATE", "2021-Q3"),
        ("They report every week.", "every week", "SET", "P1W"),
        ("The talks lasted three years.", "three years", "DURATION", "P3Y"),
        ("The plane landed at 3:30 p.m.", "3:30 p.m.", "TIME", "2022-03-17T15:30"),
        ("The deal closed on Sept. 30, 1998.", "Sept. 30, 1998", "DATE", "1998-09-30"),
        ("Prices are rising now.", "now", "DATE", "PRESENT_REF"),
        ("It was popular in the 1990s.", "the 1990s", "DATE", "199"),
        ("Back in nineteen ninety-six it was different.", "nineteen ninety-six", "DATE", "1996"),
        ("They met over the weekend.", "the weekend", "DATE", "2022-W10-WE"),
        ("The report is due March 21 at 10 a.m.", "10 a.m.", "TIME", "2022-03-21T10:00"),
        ("Sales rose 5% from a year ago.", "a year ago", "DATE", "2021"),
    ],
)
def test_english_expressions(sentence: str, surface: str, type_: str, value: str) -> None:
    found = [t for t in find_timexes(sentence, "en", ANCHOR) if t.text == surface]
    assert len(found) == 1, find_timexes(sentence, "en", ANCHOR)
    assert (found[0].type, found[0].value) == (type_, value)


def test_start_mod_narrows_the_interval() -> None:
    t = only("Early 2021 was quiet.", "en")
    assert (t.value, t.mod) == ("2021", "START")
    assert (t.interval_start, t.interval_end) == (dt.date(2021, 1, 1), dt.date(2021, 4, 30))


def test_russian_sets_and_durations() -> None:
    t = only("Отчёты отправляли каждый понедельник.", "ru")
    assert (t.type, t.value) == ("SET", "XXXX-WXX-1")
    t = only("Операция длилась три года.", "ru")
    assert (t.type, t.value) == ("DURATION", "P3Y")


def test_month_names_in_every_case() -> None:
    for form in ("январь", "января", "январю", "январём", "январе"):
        t = only(f"Это {form} 2020 года.", "ru")
        assert t.value == "2020-01", form


def test_invalid_date_is_flagged_not_fatal() -> None:
    t = only("Приказ датирован 31 февраля 2021 года.", "ru")
    assert "invalid-date" in t.flags
    assert t.interval_start is None and t.interval_end is None
    assert t.note and "не" not in t.note  # an English sentence for the desk
    assert "31" in t.note


def test_two_digit_year_is_flagged() -> None:
    t = only("Это было в 21-м году.", "ru")
    assert (t.value, t.flags) == ("2021", ["two-digit-year"])
    t = only("Back in '98 it was different.", "en")
    assert t.value == "1998" and "two-digit-year" in t.flags


def test_without_anchor_relative_values_stay_unresolved() -> None:
    t = only("В августе прошлого года.", "ru", anchor=None)
    assert (t.value, t.anchored, t.flags) == ("XXXX-08", False, ["no-anchor"])
    assert t.interval_start is None
    absolute = only("Летом 2021 года.", "ru", anchor=None)
    assert (absolute.value, absolute.flags, absolute.anchored) == ("2021-SU", [], False)


def test_relative_values_say_they_were_anchored() -> None:
    assert only("Вчера.", "ru").anchored is True
    assert only("Летом 2021 года.", "ru").anchored is False


def test_mixed_language_sentence() -> None:
    found = find_timexes("Встреча прошла 12 июля 2021 г., and the follow-up was last Friday.", "ru", ANCHOR)
    assert [(t.text, t.value, t.flags) for t in found] == [
        ("12 июля 2021 г.", "2021-07-12", []),
        ("last Friday", "2022-03-11", ["mixed-language"]),
    ]


def test_empty_and_garbage_text() -> None:
    assert find_timexes("", "ru", ANCHOR) == []
    assert find_timexes("$1990 and 1,999 items; №2021", "en", ANCHOR) == []


def test_clock_time_takes_the_date_just_before_it() -> None:
    found = find_timexes("Совещание назначено на 21 марта в 10:00.", "ru", ANCHOR)
    assert [(t.text, t.type, t.value) for t in found] == [("21 марта", "DATE", "2022-03-21"),
                                                         ("10:00", "TIME", "2022-03-21T10:00")]
    assert found[1].interval_start == dt.date(2022, 3, 21)


@pytest.mark.parametrize(
    ("sentence", "surface", "type_", "value"),
    [
        ("Подъём в 6 утра.", "6 утра", "TIME", "2022-03-17T06:00"),
        ("Я не был дома больше года.", "больше года", "DURATION", "P1Y"),
        ("В минувшую пятницу всё решилось.", "минувшую пятницу", "DATE", "2022-03-11"),
        ("За последние два года всё изменилось.", "последние два года", "DURATION", "P2Y"),
        ("Это было в 2018-м.", "2018-м", "DATE", "2018"),
        ("До конца квартала осталось мало.", "конца квартала", "DATE", "2022-Q1"),
        ("Увидимся через полгода.", "через полгода", "DATE", "2022-09"),
        ("Ответ будет в апреле.", "апреле", "DATE", "2022-04"),
        ("Ответ пришёл в апреле.", "апреле", "DATE", "2021-04"),
    ],
)
def test_more_russian_forms(sentence: str, surface: str, type_: str, value: str) -> None:
    t = only(sentence, "ru")
    assert (t.text, t.type, t.value) == (surface, type_, value)


PIECES = ["31 февраля", "в 21-м году", "вчера", "12.07.21", "2021-13-45", "13/45/2020", "Sept. 31", "last Monday",
          "через полгода", "каждый", "летом", "Q3", "'98", "in the 1990s", "00:00", "25:61", "третьего", "марта",
          "2021", "года", "the", "of", ".", ",", " ", "\n", "ago", "назад", "конце", "first half", "99 years ago",
          "9999999 days ago", "через 99999999 дней"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12), st.sampled_from(["ru", "en", None]),
       st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2090, 12, 31))))  # fmt: skip
def test_never_crashes_and_spans_are_consistent(
    pieces: list[str], language: str | None, anchor: dt.date | None
) -> None:
    text = " ".join(pieces)
    found = find_timexes(text, language, anchor)
    last_end = 0
    for t in found:
        assert 0 <= t.start < t.end <= len(text) and t.start >= last_end
        assert text[t.start : t.end] == t.text
        assert t.type in ("DATE", "TIME", "DURATION", "SET")
        if t.interval_start is not None:
            assert t.interval_end is not None and t.interval_start <= t.interval_end
        if anchor is None:
            assert not t.anchored
        last_end = t.end


def test_offsets_beyond_the_calendar_give_no_date() -> None:
    found = find_timexes("It happened 9999999 days ago.", "en", ANCHOR)
    assert [(t.text, t.type) for t in found] == [("9999999 days", "DURATION")]
