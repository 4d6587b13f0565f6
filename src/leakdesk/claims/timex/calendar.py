"""Calendar arithmetic on TIMEX3 values: shifting an anchor, formatting values, and turning values into intervals."""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re

SEASON_MONTHS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 2)}


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _cal.monthrange(year, month)[1])


def add_months(day: dt.date, n: int) -> dt.date:
    """The same day n months later (clamped to the month's end)."""
    total = day.year * 12 + day.month - 1 + n
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def day_value(day: dt.date) -> str:
    return day.isoformat()


def month_value(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def week_value(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def shift(anchor: dt.date, unit: str, n: int) -> str:
    """The value n units away from the anchor, at that unit's granularity ("last month" → shift(a, "month", -1))."""
    if unit == "day":
        return day_value(anchor + dt.timedelta(days=n))
    if unit == "week":
        return week_value(anchor + dt.timedelta(weeks=n))
    if unit == "weekend":
        return week_value(anchor + dt.timedelta(weeks=n)) + "-WE"
    if unit == "month":
        d = add_months(anchor, n)
        return month_value(d.year, d.month)
    if unit == "quarter":
        total = anchor.year * 4 + quarter_of(anchor) - 1 + n
        y, q = divmod(total, 4)
        return f"{y:04d}-Q{q + 1}"
    if unit == "half":
        total = anchor.year * 2 + (anchor.month - 1) // 6 + n
        y, h = divmod(total, 2)
        return f"{y:04d}-H{h + 1}"
    if unit == "year":
        return f"{anchor.year + n:04d}"
    if unit == "decade":
        return f"{(anchor.year // 10 + n):03d}"
    if unit == "century":
        return f"{(anchor.year // 100 + n):02d}"
    raise ValueError(f"unknown unit {unit}")


def weekday_near(anchor: dt.date, weekday: int, direction: int) -> dt.date:
    """The given weekday (0=Monday) nearest the anchor: direction -1 past (or today), +1 future, -2 'last X' (strictly
    the previous week's), +2 'next X' (strictly after)."""
    diff = weekday - anchor.weekday()
    if direction == -1:
        return anchor + dt.timedelta(days=diff if diff <= 0 else diff - 7)
    if direction == 1:
        return anchor + dt.timedelta(days=diff if diff >= 0 else diff + 7)
    if direction == -2:
        return anchor + dt.timedelta(days=diff if diff < 0 else diff - 7)
    return anchor + dt.timedelta(days=diff if diff > 0 else diff + 7)


def weekday_nearest(anchor: dt.date, weekday: int, past_bias: int = 1) -> dt.date:
    """The nearer of the previous and the next such weekday (today counts as both); ties and near-ties go to the
    past by `past_bias` days."""
    past = weekday_near(anchor, weekday, -1)
    future = weekday_near(anchor, weekday, 1)
    return past if (anchor - past).days <= (future - anchor).days + past_bias else future


def month_nearest(anchor: dt.date, month: int, day: int | None = None, past_bias: int = 1) -> int:
    """The year that puts the month (and day) nearest the anchor, in months; near-ties go to the past."""
    if month == anchor.month and day is None:
        return anchor.year
    past_year = anchor.year if (month, day or 1) <= (anchor.month, anchor.day) else anchor.year - 1
    future_year = anchor.year if (month, day or 1) >= (anchor.month, anchor.day) else anchor.year + 1
    past_gap = (anchor.year - past_year) * 12 + anchor.month - month
    future_gap = (future_year - anchor.year) * 12 + month - anchor.month
    return past_year if past_gap <= future_gap + past_bias else future_year


def month_near(anchor: dt.date, month: int, direction: int) -> int:
    """The year of the given month near the anchor: 0 same year, -1 most recent (incl. this month), +1 next
    (incl. this month), -2 strictly before, +2 strictly after."""
    if direction == 0:
        return anchor.year
    if direction == -1:
        return anchor.year if month <= anchor.month else anchor.year - 1
    if direction == 1:
        return anchor.year if month >= anchor.month else anchor.year + 1
    if direction == -2:
        return anchor.year if month < anchor.month else anchor.year - 1
    return anchor.year if month > anchor.month else anchor.year + 1


def valid_day(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T.*)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_SEASON = re.compile(r"^(\d{4})-(SP|SU|FA|WI)$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})(-WE)?$")
_DECADE = re.compile(r"^(\d{3})X?$")
_CENTURY = re.compile(r"^(\d{2})X{0,2}$")


def interval(value: str) -> tuple[dt.date, dt.date] | None:
    """The inclusive calendar interval a TIMEX3 date value covers, or None (durations, sets, refs, unknown parts)."""
    try:
        return _interval(value)
    except ValueError:  # e.g. an invalid day kept as written
        return None


def _interval(value: str) -> tuple[dt.date, dt.date] | None:
    if m := _DATE.match(value):
        d = dt.date(int(m[1]), int(m[2]), int(m[3]))
        return d, d
    if m := _MONTH.match(value):
        y, mo = int(m[1]), int(m[2])
        return dt.date(y, mo, 1), month_end(y, mo)
    if m := _YEAR.match(value):
        y = int(m[1])
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if m := _SEASON.match(value):
        y, (first, last) = int(m[1]), SEASON_MONTHS[m[2]]
        if m[2] == "WI":  # winter of Y: December of Y to February of Y+1
            return dt.date(y, 12, 1), month_end(y + 1, 2)
        return dt.date(y, first, 1), month_end(y, last)
    if m := _QUARTER.match(value):
        y, q = int(m[1]), int(m[2])
        return dt.date(y, 3 * q - 2, 1), month_end(y, 3 * q)
    if m := _HALF.match(value):
        y, h = int(m[1]), int(m[2])
        return dt.date(y, 6 * h - 5, 1), month_end(y, 6 * h)
    if m := _WEEK.match(value):
        monday = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        if m[3]:
            return monday + dt.timedelta(days=5), monday + dt.timedelta(days=6)
        return monday, monday + dt.timedelta(days=6)
    if m := _DECADE.match(value):
        y = int(m[1]) * 10
        return dt.date(y, 1, 1), dt.date(y + 9, 12, 31)
    if m := _CENTURY.match(value):
        y = int(m[1]) * 100
        return dt.date(max(y, 1), 1, 1), dt.date(y + 99, 12, 31)
    return None


def apply_mod(span: tuple[dt.date, dt.date], mod: str | None) -> tuple[dt.date, dt.date]:
    """Narrow an interval for START / MID / END (first, middle, last third) as "early/mid/late 2021" means."""
    if mod not in ("START", "MID", "END"):
        return span
    first, last = span
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    whole = first.day == 1 and last == month_end(last.year, last.month)
    if whole and months >= 3 and months % 3 == 0:  # a year → Jan–Apr / May–Aug / Sep–Dec
        k = months // 3
        if mod == "START":
            return first, add_months(first, k) - dt.timedelta(days=1)
        if mod == "END":
            return add_months(first, 2 * k), last
        return add_months(first, k), add_months(first, 2 * k) - dt.timedelta(days=1)
    days = (last - first).days + 1
    if days < 3:
        return span
    third = days // 3
    if mod == "START":
        return first, first + dt.timedelta(days=third - 1)
    if mod == "END":
        return last - dt.timedelta(days=third - 1), last
    return first + dt.timedelta(days=third), last - dt.timedelta(days=third)
