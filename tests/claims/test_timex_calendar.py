"""TIMEX3 values → inclusive calendar intervals, and the START / MID / END narrowing."""

from __future__ import annotations

import datetime as dt

import pytest

from leakdesk.claims.timex import calendar as cal

D = dt.date


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2021-08-15", D(2021, 8, 15), D(2021, 8, 15)),
        ("2021-08-15T15:00", D(2021, 8, 15), D(2021, 8, 15)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("2021", D(2021, 1, 1), D(2021, 12, 31)),
        ("2021-SU", D(2021, 6, 1), D(2021, 8, 31)),
        ("2021-WI", D(2021, 12, 1), D(2022, 2, 28)),
        ("2021-Q3", D(2021, 7, 1), D(2021, 9, 30)),
        ("2021-H2", D(2021, 7, 1), D(2021, 12, 31)),
        ("2021-W01", D(2021, 1, 4), D(2021, 1, 10)),
        ("2022-W10-WE", D(2022, 3, 12), D(2022, 3, 13)),
        ("199", D(1990, 1, 1), D(1999, 12, 31)),
        ("19", D(1900, 1, 1), D(1999, 12, 31)),
    ],
)
def test_intervals(value: str, start: dt.date, end: dt.date) -> None:
    assert cal.interval(value) == (start, end)


@pytest.mark.parametrize("value", ["P2W", "XXXX-08", "PRESENT_REF", "XXXX-WXX-1", "2021-02-31", "2021-13"])
def test_values_without_an_interval(value: str) -> None:
    assert cal.interval(value) is None


def test_mods_narrow_by_thirds() -> None:
    year = cal.interval("2021")
    assert year is not None
    assert cal.apply_mod(year, "START") == (D(2021, 1, 1), D(2021, 4, 30))
    assert cal.apply_mod(year, "MID") == (D(2021, 5, 1), D(2021, 8, 31))
    assert cal.apply_mod(year, "END") == (D(2021, 9, 1), D(2021, 12, 31))
    august = cal.interval("2021-08")
    assert august is not None
    assert cal.apply_mod(august, "START") == (D(2021, 8, 1), D(2021, 8, 10))
    assert cal.apply_mod(august, "END") == (D(2021, 8, 22), D(2021, 8, 31))
    assert cal.apply_mod(august, "APPROX") == august


def test_shift_and_nearest() -> None:
    anchor = D(2022, 3, 17)
    assert cal.shift(anchor, "month", -1) == "2022-02"
    assert cal.shift(anchor, "quarter", -1) == "2021-Q4"
    assert cal.shift(anchor, "week", 1) == "2022-W12"
    assert cal.shift(anchor, "decade", 0) == "202"
    assert cal.weekday_near(anchor, 0, -2) == D(2022, 3, 14)
    assert cal.weekday_nearest(anchor, 4, 3) == D(2022, 3, 18)  # Friday: 1 day ahead beats 6 days back...
    assert cal.weekday_nearest(anchor, 4, 5) == D(2022, 3, 11)  # ...unless the past is favoured by 5 days
    assert cal.weekday_nearest(anchor, 1, 3) == D(2022, 3, 15)
    assert cal.month_nearest(anchor, 12, None, 2) == 2021
    assert cal.month_nearest(anchor, 5, None, 2) == 2022
