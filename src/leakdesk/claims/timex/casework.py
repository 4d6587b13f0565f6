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
from leakdesk.store.records import dispatches
from leakdesk.store.records import timex as timex_records
from leakdesk.store.records.common import no_such_dispatch
from leakdesk.store.records.dates import anchor_date
from leakdesk.store.records.dispatches import Text
from leakdesk.store.records.timex import Timex

from . import find_timexes

VERSION = "leakdesk-timex-2"  # 2: future-tense verbs resolve months forward
TEXT_ROLES = ("body", "decrypted", "attachment")
FALLBACK_ROLES = ("html-body",)


def letter_anchor(conn: sa.Connection, dispatch_id: int) -> tuple[dt.date | None, str, list[str]]:
    """(anchor, anchor_source, flags) for one dispatch, by the store's one rule (`store.records.dates`)."""
    found = anchor_date(conn, dispatch_id)
    return found.date, found.source, found.flags


def _texts(conn: sa.Connection, dispatch_id: int) -> list[Text]:
    """The texts dates are read from: every body and attachment text, else the text extracted from HTML."""
    rows = dispatches.texts(conn, dispatch_id)
    chosen = [r for r in rows if r.role in TEXT_ROLES]
    return chosen or [r for r in rows if r.role in FALLBACK_ROLES]


def extract_case_dates(
    case: Case, dispatch_id: int | None = None, on_dispatch: Callable[[int, int], None] | None = None
) -> list[dict[str, Any]]:
    """Extract, store (replacing earlier rows of the same dispatches) and return the temporal expressions.

    `on_dispatch(done, total)` is called after each dispatch (for a progress bar)."""
    out: list[dict[str, Any]] = []
    with case.transaction() as conn:
        letters = dispatches.find(conn, None if dispatch_id is None else [dispatch_id])
        if dispatch_id is not None and not letters:
            raise no_such_dispatch(dispatch_id)
        now = dt.datetime.now(dt.UTC)
        for done, d in enumerate(letters, 1):
            anchor, source, anchor_flags = letter_anchor(conn, d.id)
            rows = []
            for text in _texts(conn, d.id):
                language = text.language or d.language or (case.settings.languages or ["ru"])[0]
                for x in find_timexes(text.content, language, anchor):
                    flags = [*x.flags, *anchor_flags] if x.anchored or "no-anchor" in x.flags else list(x.flags)
                    rows.append(Timex(d.id, text.id, x.start, x.end, x.text, x.type, x.value, x.mod,
                                      x.interval_start, x.interval_end, anchor, source, flags, x.note, VERSION))
            timex_records.replace(conn, d.id, rows, now)
            case.audit(conn, "dates.extract", f"dispatch:{d.id}",
                       {"timexes": len(rows), "anchor": anchor.isoformat() if anchor else None,
                        "anchor_source": source, "version": VERSION})  # fmt: skip
            out += [public_row(r) for r in rows]
            if on_dispatch is not None:
                on_dispatch(done, len(letters))
    return out


def public_row(r: Timex) -> dict[str, Any]:
    """The JSON shape of `leakdesk date extract --json`: start/end are the interval's dates, offsets are characters."""

    def iso(v: dt.date | None) -> str | None:
        return v.isoformat() if v else None

    return {
        "dispatch_id": r.dispatch_id,
        "text": r.surface,
        "value": r.value,
        "start": iso(r.interval_start),
        "end": iso(r.interval_end),
        "type": r.type,
        "mod": r.mod,
        "offset_start": r.start_char,
        "offset_end": r.end_char,
        "text_id": r.text_id,
        "anchor": iso(r.anchor),
        "anchor_source": r.anchor_source,
        "flags": r.flags,
        "note": r.note,
    }


def stored_dates(case: Case, dispatch_id: int | None = None) -> list[dict[str, Any]]:
    """The rows already in `timex` (for reports and the claims stage), in the same shape."""
    with case.connect() as conn:
        return [public_row(r) for r in timex_records.find(conn, dispatch_id)]
