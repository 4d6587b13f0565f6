"""Date ranges become one interval for a claim («с 14 августа по 20 ноября» is not cut to 14 August)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.claims.conftest import add_letter

from leakdesk.claims.claims import list_claims, run_claims
from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.ranges import find_ranges

ANCHOR = dt.date(2021, 12, 1)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("С 14 августа по 20 ноября 2021 года вертолёты стояли на Итурупе.", "ru",
         ("С 14 августа по 20 ноября 2021 года", "2021-08-14", "2021-11-20")),
        ("From 14 August to 20 November 2021 the helicopters stayed on Iturup.", "en",
         ("From 14 August to 20 November 2021", "2021-08-14", "2021-11-20")),
        ("Учения шли с мая до июля.", "ru", ("с мая до июля", "2021-05-01", "2021-07-31")),
        ("Учения шли 14–20 августа.", "ru", ("14–20 августа", "2021-08-14", "2021-08-20")),
    ],
)
def test_ranges_span_both_ends(text: str, language: str, expected: tuple[str, str, str]) -> None:
    [found] = find_ranges(text, find_timexes(text, language, ANCHOR))
    assert (found.text, found.interval_start.isoformat(), found.interval_end.isoformat()) == expected
    assert "range" in found.flags


@pytest.mark.parametrize(
    "text",
    ["14 августа и 20 ноября вертолёты прилетали дважды.", "В мае до июля никто не доехал.",
     "С 20 ноября по 14 августа.",  # inverted: two dates, not a range
     ],
)
def test_two_dates_that_are_not_a_range(text: str) -> None:
    assert find_ranges(text, find_timexes(text, "ru", ANCHOR)) == []


@pytest.mark.parametrize("dates_first", [False, True])
def test_a_claim_over_a_range_gets_the_whole_interval(case, dates_first: bool) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "С 14 августа по 20 ноября 2021 года ФСБ держала вертолёты на Итурупе в полной готовности.")
    if dates_first:  # claims then read the timex rows the dates stage stored
        from leakdesk.claims.timex.casework import extract_case_dates

        extract_case_dates(case)
    run_claims(case)
    [claim] = list_claims(case)
    assert claim["time"]["start"] == "2021-08-14" and claim["time"]["end"] == "2021-11-20"
    assert claim["time"]["value"] == "2021-08-14/2021-11-20"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("В сентябре пройдут учения на Итурупе.", "2022-09"),  # perfective verbs have no future auxiliary
        ("Учения проведут в сентябре.", "2022-09"),
        ("В сентябре вертолёты перебросят на Итуруп.", "2022-09"),
        ("В сентябре учения прошли.", "2021-09"),
        ("В сентябре мы получали сводки.", "2021-09"),
    ],
)
def test_a_month_with_a_future_verb_resolves_forward(text: str, value: str) -> None:
    [found] = find_timexes(text, "ru", dt.date(2022, 3, 17))
    assert found.value == value


def test_a_future_verb_inside_past_reported_speech_stays_in_the_past() -> None:
    [_, found] = find_timexes("Зимой 2022 года нас предупреждали, что с 24 февраля всё изменится.", "ru",
                              dt.date(2022, 12, 28))
    assert found.value == "2022-02-24"


def test_a_corrected_date_is_the_claims_time_and_the_two_tellings_conflict(case) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.claims.timeline import build_timeline

    first, _ = add_letter(case, "Плановые учения, назначенные на сентябрь 2021 года, проведены в сокращённом объёме.",
                          subject="справка")
    second, _ = add_letter(case, "Выяснилось, что учения на Итурупе, которые считали назначенными на сентябрь 2021 "
                           "года, на самом деле планировали на октябрь и отменили в последний момент.",
                           subject="поправка")
    add_letter(case, "Плановые учения на Кунашире прошли в сентябре 2021 года без происшествий.", subject="третье")
    run_claims(case)
    by_letter = {c["dispatch_id"]: c for c in list_claims(case)}
    assert by_letter[second]["time"]["value"] == "2021-10"
    assert ("the sentence corrects a date: the time after «на самом деле» is taken, not the one it corrects"
            in by_letter[second]["flags"])
    conflicts = build_timeline(case)["conflicts"]
    assert [(c["dispatches"], c["shared"], c["by"]) for c in conflicts] == [([first, second], ["учение"], "meaning")]
