"""The one record every temporal-expression rule produces (the API contract other capabilities rely on)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

TYPES = ("DATE", "TIME", "DURATION", "SET")


@dataclass
class Timex:
    """A temporal expression found in a text, normalised TIMEX3-style.

    `start`/`end` are character offsets (end exclusive); `value` is the TIMEX3 value ("2021-08", "2021-SU", "P2W",
    "XXXX-WXX-1", "PRESENT_REF"...); `interval_start`/`interval_end` is the inclusive calendar interval the value
    covers when it is date-like (None for durations, sets and unresolved values).
    """

    start: int
    end: int
    text: str
    type: str
    value: str
    interval_start: dt.date | None = None
    interval_end: dt.date | None = None
    anchored: bool = False
    flags: list[str] = field(default_factory=list)
    note: str | None = None
    mod: str | None = None  # TIMEX3 mod: START, MID, END, APPROX, BEFORE, AFTER, ...
