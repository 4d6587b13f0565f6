"""Temporal expressions the dates stage found in a dispatch's texts (`timex`), anchored on the letter's date.

A dispatch's expressions are replaced as a whole each time its dates are extracted; claims read them per text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import utc
from leakdesk.store.tables import timex


@dataclass(frozen=True)
class Timex:
    """One expression: where it is (characters in its text), its TIMEX3 value and its calendar interval."""

    dispatch_id: int
    text_id: int
    start_char: int
    end_char: int
    surface: str
    type: str  # DATE | TIME | DURATION | SET
    value: str
    mod: str | None
    interval_start: date | None
    interval_end: date | None
    anchor: date | None
    anchor_source: str  # the anchor date's source (store.records.dates.SOURCES)
    flags: list[str] = field(default_factory=list)
    note: str | None = None
    version: str = ""  # rule set that produced it
    created: datetime | None = None
    id: int | None = None  # None until stored


def _timex(r: Any) -> Timex:
    return Timex(r.dispatch_id, r.text_id, r.start_char, r.end_char, r.surface, r.type, r.value, r.mod,
                 r.interval_start, r.interval_end, r.anchor, r.anchor_source, list(r.flags or []), r.note, r.version,
                 utc(r.created), r.id)


def find(conn: sa.Connection, dispatch_id: int | None = None) -> list[Timex]:
    """Every stored expression (of one dispatch), by dispatch, text and position."""
    q = sa.select(timex).order_by(timex.c.dispatch_id, timex.c.text_id, timex.c.start_char)
    if dispatch_id is not None:
        q = q.where(timex.c.dispatch_id == dispatch_id)
    return [_timex(r) for r in conn.execute(q)]


def of_text(conn: sa.Connection, text_id: int) -> list[Timex]:
    """The expressions of one text, in text order."""
    rows = conn.execute(sa.select(timex).where(timex.c.text_id == text_id).order_by(timex.c.start_char))
    return [_timex(r) for r in rows]


def replace(conn: sa.Connection, dispatch_id: int, found: list[Timex], created: datetime) -> None:
    """The dispatch's expressions become `found` (earlier ones deleted); the caller audits it."""
    conn.execute(timex.delete().where(timex.c.dispatch_id == dispatch_id))
    if not found:
        return
    conn.execute(timex.insert(), [
        {"dispatch_id": dispatch_id, "text_id": x.text_id, "start_char": x.start_char, "end_char": x.end_char,
         "surface": x.surface, "type": x.type, "value": x.value, "mod": x.mod, "interval_start": x.interval_start,
         "interval_end": x.interval_end, "anchor": x.anchor, "anchor_source": x.anchor_source, "flags": x.flags,
         "note": x.note, "version": x.version, "created": created}
        for x in found
    ])
