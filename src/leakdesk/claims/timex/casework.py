"""Temporal expressions of a case's dispatches: extract, anchor on each letter's own date, store in `timex`.

The anchor is the letter's anchor date by the store's one rule (`store.records.dates`): its date as written, an
attachment's letter's date, else the time the desk received it (flagged "anchor-from-received-time").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.records.common import no_such_dispatch
from leakdesk.store.records.dates import anchor_date

from . import find_timexes

VERSION = "leakdesk-timex-2"  # 2: future-tense verbs resolve months forward
TEXT_ROLES = ("body", "decrypted", "attachment")
FALLBACK_ROLES = ("html-body",)


def letter_anchor(conn: sa.Connection, dispatch: sa.Row) -> tuple[dt.date | None, str, list[str]]:
    """(anchor, anchor_source, flags) for one dispatch, by the store's one rule (`store.records.dates`)."""
    found = anchor_date(conn, dispatch.id)
    return found.date, found.source, found.flags


def _texts(conn: sa.Connection, dispatch_id: int) -> list[sa.Row]:
    rows = conn.execute(sa.select(t.text).where(t.text.c.dispatch_id == dispatch_id).order_by(t.text.c.id)).all()
    chosen = [r for r in rows if r.role in TEXT_ROLES]
    return chosen or [r for r in rows if r.role in FALLBACK_ROLES]


def extract_case_dates(
    case: Case, dispatch_id: int | None = None, on_dispatch: Callable[[int, int], None] | None = None
) -> list[dict[str, Any]]:
    """Extract, store (replacing earlier rows of the same dispatches) and return the temporal expressions.

    `on_dispatch(done, total)` is called after each dispatch (for a progress bar)."""
    out: list[dict[str, Any]] = []
    with case.transaction() as conn:
        query = sa.select(t.dispatch).order_by(t.dispatch.c.id)
        if dispatch_id is not None:
            query = query.where(t.dispatch.c.id == dispatch_id)
        dispatches = conn.execute(query).all()
        if dispatch_id is not None and not dispatches:
            raise no_such_dispatch(dispatch_id)
        now = dt.datetime.now(dt.UTC)
        for done, d in enumerate(dispatches, 1):
            anchor, source, anchor_flags = letter_anchor(conn, d)
            conn.execute(sa.delete(t.timex).where(t.timex.c.dispatch_id == d.id))
            rows = []
            for text in _texts(conn, d.id):
                language = text.language or d.language or (case.settings.languages or ["ru"])[0]
                for x in find_timexes(text.content or "", language, anchor):
                    flags = [*x.flags, *anchor_flags] if x.anchored or "no-anchor" in x.flags else list(x.flags)
                    rows.append({"dispatch_id": d.id, "text_id": text.id, "start_char": x.start, "end_char": x.end,
                                 "surface": x.text, "type": x.type, "value": x.value, "mod": x.mod,
                                 "interval_start": x.interval_start, "interval_end": x.interval_end,
                                 "anchor": anchor, "anchor_source": source, "flags": flags, "note": x.note,
                                 "version": VERSION, "created": now})  # fmt: skip
            if rows:
                conn.execute(sa.insert(t.timex), rows)
            case.audit(conn, "dates.extract", f"dispatch:{d.id}",
                       {"timexes": len(rows), "anchor": anchor.isoformat() if anchor else None,
                        "anchor_source": source, "version": VERSION})  # fmt: skip
            out += [public_row(r) for r in rows]
            if on_dispatch is not None:
                on_dispatch(done, len(dispatches))
    return out


def public_row(r: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of `leakdesk dates --json`: start/end are the interval's dates, offsets are characters."""

    def iso(v: dt.date | None) -> str | None:
        return v.isoformat() if v else None

    return {
        "dispatch_id": r["dispatch_id"],
        "text": r["surface"],
        "value": r["value"],
        "start": iso(r["interval_start"]),
        "end": iso(r["interval_end"]),
        "type": r["type"],
        "mod": r["mod"],
        "offset_start": r["start_char"],
        "offset_end": r["end_char"],
        "text_id": r["text_id"],
        "anchor": iso(r["anchor"]),
        "anchor_source": r["anchor_source"],
        "flags": r["flags"],
        "note": r["note"],
    }


def stored_dates(case: Case, dispatch_id: int | None = None) -> list[dict[str, Any]]:
    """The rows already in `timex` (for reports and the claims stage), in the same shape."""
    with case.connect() as conn:
        q = sa.select(t.timex).order_by(t.timex.c.dispatch_id, t.timex.c.text_id, t.timex.c.start_char)
        if dispatch_id is not None:
            q = q.where(t.timex.c.dispatch_id == dispatch_id)
        return [public_row(dict(r._mapping)) for r in conn.execute(q)]
