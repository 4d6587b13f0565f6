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


def test_a_claim_over_a_range_gets_the_whole_interval(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "С 14 августа по 20 ноября 2021 года ФСБ держала вертолёты на Итурупе в полной готовности.")
    run_claims(case)
    [claim] = list_claims(case)
    assert claim["time"]["start"] == "2021-08-14" and claim["time"]["end"] == "2021-11-20"
    assert claim["time"]["value"] == "2021-08-14/2021-11-20"
