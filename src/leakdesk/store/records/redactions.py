"""Redaction decisions (publish.redact): what to hide in a series (or the whole case) and its pseudonym.

A decision is proposed, then approved or rejected by a named reviewer; it is applied to derivatives only, never
to an original. `series_id` None means it holds for every series of the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import new_id, now, utc
from leakdesk.store.tables import redaction

STATUSES = ("proposed", "approved", "rejected")


@dataclass(frozen=True)
class RedactionRecord:
    id: int
    series_id: int | None  # None: the whole case
    kind: str  # entity | pattern | term | span
    label: str  # person, place, organisation, email, phone, passport, ...
    surfaces: list[str]  # the strings replaced
    pseudonym: str
    status: str  # proposed | approved | rejected
    entity_id: int | None
    dispatch_id: int | None  # span only
    text_id: int | None
    start_char: int | None
    end_char: int | None
    actor: str
    created: datetime
    reviewer: str | None
    reviewed: datetime | None
    note: str | None


def _record(r: Any) -> RedactionRecord:
    return RedactionRecord(r.id, r.series_id, r.kind, r.label, list(r.surfaces or []), r.pseudonym, r.status,
                           r.entity_id, r.dispatch_id, r.text_id, r.start_char, r.end_char, r.actor,
                           utc(r.created) or r.created, r.reviewer, utc(r.reviewed), r.note)


def find(conn: sa.Connection, series_id: int | None = None, *, with_case_wide: bool = True,
         status: str | None = None, ids: list[int] | None = None) -> list[RedactionRecord]:
    """Decisions in the order they were made: all, or one series' (and, unless told not to, the case-wide ones)."""
    q = sa.select(redaction).order_by(redaction.c.id)
    if series_id is not None:
        own = redaction.c.series_id == series_id
        q = q.where(sa.or_(own, redaction.c.series_id.is_(None)) if with_case_wide else own)
    if status is not None:
        q = q.where(redaction.c.status == status)
    if ids is not None:
        q = q.where(redaction.c.id.in_(ids))
    return [_record(r) for r in conn.execute(q)]


def add(conn: sa.Connection, series_id: int | None, kind: str, label: str, surfaces: list[str], pseudonym: str,
        status: str, actor: str, *, entity_id: int | None = None, dispatch_id: int | None = None,
        text_id: int | None = None, start_char: int | None = None, end_char: int | None = None) -> int:
    """Record one decision (approved ones are reviewed by their author at once); the caller audits it."""
    reviewed = {"reviewer": actor, "reviewed": now()} if status == "approved" else {}
    return new_id(conn.execute(redaction.insert().values(
        series_id=series_id, kind=kind, label=label, surfaces=surfaces, pseudonym=pseudonym, status=status,
        actor=actor, created=now(), entity_id=entity_id, dispatch_id=dispatch_id, text_id=text_id,
        start_char=start_char, end_char=end_char, **reviewed)))


def set_review(conn: sa.Connection, redaction_id: int, status: str, reviewer: str, pseudonym: str | None = None,
               note: str | None = None) -> None:
    """Approve or reject one decision (optionally renaming its pseudonym); the caller audits it."""
    values: dict[str, Any] = {"status": status, "reviewer": reviewer, "reviewed": now()}
    if pseudonym:
        values["pseudonym"] = pseudonym
    if note:
        values["note"] = note
    conn.execute(redaction.update().where(redaction.c.id == redaction_id).values(**values))
