"""Date ranges: «с 14 августа по 20 ноября», "from May to July", "14–20 августа" as one interval.

TimeML keeps the two ends as two expressions (so `leakdesk date extract` and the TempEval scorer see them as such);
a claim, though, happened *over* the range, so claims ask for the ranges and take the interval from the first
end's start to the second end's end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .model import Timex

_OPEN = re.compile(r"(?:(?<![а-яёa-z])(?:с|со|from|between)\s+)$", re.IGNORECASE)
_JOIN = re.compile(r"^\s*(?:(?:по|до|and|to|until|till|through|thru)(?![а-яёa-z])|[–—-])\s*$", re.IGNORECASE)
_DASH_ONLY = re.compile(r"^\s*[–—-]\s*$")
_DAY_BEFORE = re.compile(r"(?<![\d.,])(\d{1,2})\s*[–—-]\s*$")
_DAY_VALUE = re.compile(r"^(\d{4}-\d\d)-(\d\d)$")


def _dated(tx: Any) -> bool:
    return tx.type in ("DATE", "TIME") and tx.interval_start is not None and tx.interval_end is not None


def _pair_range(text: str, a: Any, b: Any) -> Timex | None:
    between = text[a.end : b.start]
    if not _JOIN.match(between):
        return None
    opener = _OPEN.search(text[max(0, a.start - 12) : a.start])
    if opener is None and not _DASH_ONLY.match(between):
        return None  # "… в мае до июля" without «с»/"from" is too weak a sign of a range
    assert a.interval_start and a.interval_end and b.interval_start and b.interval_end
    if b.interval_end < a.interval_start:
        return None  # an inverted pair is two dates, not a range
    start = a.start - (len(opener.group(0)) if opener else 0)
    return Timex(
        start=start, end=b.end, text=text[start : b.end], type="DATE", value=f"{a.value}/{b.value}",
        interval_start=a.interval_start, interval_end=b.interval_end,
        anchored=bool(getattr(a, "anchored", False) or getattr(b, "anchored", False)),
        flags=sorted({*a.flags, *b.flags, "range"}), note=None,
    )


def _day_range(text: str, b: Any) -> Any:
    """"14–20 августа": the first day has no month of its own and takes the second's."""
    value = _DAY_VALUE.match(b.value)
    before = _DAY_BEFORE.search(text[max(0, b.start - 8) : b.start])
    if value is None or before is None or b.interval_start is None:
        return None
    day = int(before.group(1))
    if not 1 <= day < b.interval_start.day:
        return None
    first = b.interval_start.replace(day=day)
    start = b.start - len(before.group(0))
    return replace(
        b, start=start, text=text[start : b.end], value=f"{first.isoformat()}/{b.value}",
        interval_start=first, flags=sorted({*b.flags, "range"}),
    )


def find_ranges(text: str, timexes: Sequence[Any]) -> list[Any]:
    """Ranges made of the dated expressions of `text` (offsets into `text`), in text order. Works on `Timex` and on
    anything with the same fields (the rows the dates stage stored)."""
    dated = sorted((t for t in timexes if _dated(t)), key=lambda t: t.start)
    ranges: list[Timex] = []
    used: set[int] = set()
    for i, (a, b) in enumerate(zip(dated, dated[1:], strict=False)):
        if i in used:
            continue
        made = _pair_range(text, a, b)
        if made is not None:
            ranges.append(made)
            used.update((i, i + 1))
    for i, b in enumerate(dated):
        if i not in used and (made := _day_range(text, b)) is not None:
            ranges.append(made)
    return sorted(ranges, key=lambda t: t.start)
