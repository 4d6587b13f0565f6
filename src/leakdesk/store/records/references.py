"""Reference texts: writing by other, known people, used as impostors by authorship verification.

A reference text is an original like any other: its bytes go into the write-once folder with a custody row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord
from leakdesk.store.originals import Originals
from leakdesk.store.records.common import new_id, now, utc
from leakdesk.store.records.custody import register_original
from leakdesk.store.tables import reference_text


@dataclass(frozen=True)
class Reference:
    id: int
    language: str
    label: str
    content: str
    original_sha256: str
    created: datetime


def _reference(r: sa.Row) -> Reference:
    return Reference(r.id, r.language, r.label, r.content, r.original_sha256, utc(r.created) or r.created)


def all_references(conn: sa.Connection, language: str | None = None) -> list[Reference]:
    q = sa.select(reference_text).order_by(reference_text.c.id)
    if language is not None:
        q = q.where(reference_text.c.language == language)
    return [_reference(r) for r in conn.execute(q)]


def find_by_sha256(conn: sa.Connection, sha256: str) -> Reference | None:
    row = conn.execute(sa.select(reference_text).where(reference_text.c.original_sha256 == sha256)).first()
    return _reference(row) if row is not None else None


def add(conn: sa.Connection, originals: Originals, data: bytes, content: str, language: str, label: str,
        source: str, actor: str) -> tuple[int | None, str]:
    """Register the bytes (with custody) and the reference text; (None, sha256) when it is already a reference.
    The caller audits it."""
    registered = register_original(conn, originals, data, media_type="text/plain", channel="reference",
                                   source=source, actor=actor)
    sha = registered.digests.sha256
    if find_by_sha256(conn, sha) is not None:
        return None, sha
    ref_id = new_id(conn.execute(reference_text.insert().values(
        language=language, label=label, content=content, original_sha256=sha, created=now())))
    return ref_id, sha


def by_id(conn: sa.Connection, reference_id: int) -> Reference:
    """The reference text numbered `reference_id`; the one "No such reference text" error when there is none."""
    row = conn.execute(sa.select(reference_text).where(reference_text.c.id == reference_id)).first()
    if row is None:
        raise NoSuchRecord(f"No such reference text {reference_id} in this case.")
    return _reference(row)


def remove(conn: sa.Connection, reference_id: int) -> Reference:
    """Take a text out of the reference pool (its original and custody stay: originals are write-once)."""
    gone = by_id(conn, reference_id)
    conn.execute(reference_text.delete().where(reference_text.c.id == reference_id))
    return gone
