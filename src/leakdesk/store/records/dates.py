"""The letter's anchor date: the day its relative expressions ("yesterday", "next week") refer to.

One rule, used by the dates and claims stages alike:
1. the letter's own date as written (`dispatch.date`, the sender's local day), else its UTC date → "letter-date";
   a letter without one takes the date the desk set for it (`leakdesk dispatch set CASE DISPATCH --date`) →
   "desk-date", flagged;
2. an attachment without a date takes its parent letter's date → "parent-letter-date";
3. a letter with no date at all falls back to the day the desk first received its bytes (earliest custody
   record, else the ingest time) → "received-time", flagged, since the letter may be older;
4. nothing at all → "none": relative dates stay unresolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from leakdesk.store.records.common import as_date, no_such_dispatch
from leakdesk.store.tables import custody, desk_fact, dispatch

SOURCES = ("letter-date", "desk-date", "parent-letter-date", "received-time", "none")
REASONS = {
    "letter-date": "the letter's own date",
    "desk-date": "the letter has no date of its own: relative dates were resolved against the date the desk set",
    "parent-letter-date": "the attachment has no date of its own: relative dates were resolved against its "
                          "letter's date",
    "received-time": "the letter has no date: relative dates were resolved against the time it was received",
    "none": "the letter has no date and no received time: relative dates were not resolved",
}
FLAGS = {"letter-date": [], "desk-date": ["anchor-set-by-desk"], "parent-letter-date": ["anchor-from-parent-letter"],
         "received-time": ["anchor-from-received-time"], "none": ["no-letter-date"]}


@dataclass(frozen=True)
class AnchorDate:
    dispatch_id: int
    date: date | None
    source: str  # letter-date | parent-letter-date | received-time | none
    reason: str

    @property
    def flags(self) -> list[str]:
        return list(FLAGS[self.source])

    @property
    def is_own(self) -> bool:
        return self.source == "letter-date"


def anchor_date(conn: sa.Connection, dispatch_id: int) -> AnchorDate:
    """The anchor date of one dispatch by the rule above."""
    row = conn.execute(sa.select(dispatch.c.id, dispatch.c.date, dispatch.c.date_utc, dispatch.c.parent_id,
                                 dispatch.c.original_sha256, dispatch.c.ingested)
                       .where(dispatch.c.id == dispatch_id)).first()
    if row is None:
        raise no_such_dispatch(dispatch_id)
    own = as_date(row.date) or as_date(row.date_utc)
    if own is not None:
        return AnchorDate(dispatch_id, own, "letter-date", REASONS["letter-date"])
    desk = conn.execute(sa.select(desk_fact.c.value).where(desk_fact.c.dispatch_id == dispatch_id,
                                                           desk_fact.c.field == "date")
                        .order_by(desk_fact.c.id.desc()).limit(1)).scalar()
    if as_date(desk) is not None:
        return AnchorDate(dispatch_id, as_date(desk), "desk-date", REASONS["desk-date"])
    parent_id = row.parent_id
    while parent_id is not None:
        parent = conn.execute(sa.select(dispatch.c.date, dispatch.c.date_utc, dispatch.c.parent_id)
                              .where(dispatch.c.id == parent_id)).first()
        if parent is None:
            break
        day = as_date(parent.date) or as_date(parent.date_utc)
        if day is not None:
            return AnchorDate(dispatch_id, day, "parent-letter-date", REASONS["parent-letter-date"])
        parent_id = parent.parent_id
    received = conn.execute(sa.select(sa.func.min(custody.c.time)).where(
        sa.or_(custody.c.dispatch_id == row.id, custody.c.sha256 == row.original_sha256))).scalar()
    day = as_date(received) or as_date(row.ingested)
    if day is not None:
        return AnchorDate(dispatch_id, day, "received-time", REASONS["received-time"])
    return AnchorDate(dispatch_id, None, "none", REASONS["none"])
