"""Registering an original: its bytes in the write-once folder, its `original` row and, always, a custody row.

Every time bytes arrive (a letter, an attachment, a reference text), the custody row records when, through which
channel, from where and by whom; there is no way to register an original without one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from leakdesk.store.originals import Digests, Originals, Slice
from leakdesk.store.records.common import new_id, now, utc
from leakdesk.store.records.dispatches import CustodyEvent
from leakdesk.store.tables import custody, original, original_slice


@dataclass(frozen=True)
class Registered:
    digests: Digests
    custody_id: int
    new: bool  # False when the same bytes were already in the case (the custody row says "re-received")


def ensure_original_row(conn: sa.Connection, digests: Digests, media_type: str | None) -> bool:
    """The `original` row for stored bytes (True if it was new)."""
    if conn.execute(sa.select(original.c.sha256).where(original.c.sha256 == digests.sha256)).first() is not None:
        return False
    conn.execute(original.insert().values(sha256=digests.sha256, sha1=digests.sha1, md5=digests.md5,
                                          size=digests.size, media_type=(media_type or None) and media_type[:200],
                                          first_seen=now()))
    return True


def add_custody(conn: sa.Connection, sha256: str, event: str, channel: str, source: str, actor: str,
                dispatch_id: int | None = None, location: str | None = None) -> int:
    return new_id(conn.execute(custody.insert().values(
        time=now(), sha256=sha256, dispatch_id=dispatch_id, event=event, channel=channel, source=source,
        location=location, actor=actor)))


def register_original(conn: sa.Connection, originals: Originals, data: bytes, *, media_type: str | None,
                      channel: str, source: str, actor: str, dispatch_id: int | None = None,
                      location: str | None = None) -> Registered:
    """Store bytes write-once and record them with their custody row, in the caller's transaction.

    The bytes are written (and fsynced) before the rows that refer to them, so a crash leaves at most an
    unreferenced original that the next run reuses."""
    digests = originals.put_bytes(data)
    new = ensure_original_row(conn, digests, media_type)
    custody_id = add_custody(conn, digests.sha256, "received" if new else "re-received", channel, source, actor,
                             dispatch_id, location)
    return Registered(digests, custody_id, new)


def digests_of(conn: sa.Connection) -> dict[str, Digests]:
    """The recorded digests (sha256, sha1, md5, size) of every original, by sha256."""
    return {r.sha256: Digests(r.sha256, r.sha1, r.md5, r.size)
            for r in conn.execute(sa.select(original.c.sha256, original.c.sha1, original.c.md5, original.c.size))}


def events_by_dispatch(conn: sa.Connection) -> dict[int, list[CustodyEvent]]:
    """Every custody event recorded against a dispatch, oldest first, by dispatch id (the report's custody column;
    `dispatches.custody_of` gives one dispatch's events including those of its bytes)."""
    out: dict[int, list[CustodyEvent]] = {}
    for r in conn.execute(sa.select(custody).where(custody.c.dispatch_id.is_not(None))
                          .order_by(custody.c.time, custody.c.id)):
        out.setdefault(r.dispatch_id, []).append(
            CustodyEvent(r.id, utc(r.time) or r.time, r.sha256, r.event, r.channel, r.source, r.location, r.actor))
    return out


_SLICE = (sa.select(original_slice.c.container_sha256, original_slice.c.byte_offset, original.c.size)
          .join(original, original.c.sha256 == original_slice.c.sha256)
          .where(original_slice.c.sha256 == sa.bindparam("sha")))


def slice_of(conn: sa.Connection, sha256: str) -> Slice | None:
    """Where an original kept as a slice of its container is (None: it has a file of its own)."""
    r = conn.execute(_SLICE, {"sha": sha256}).first()
    return None if r is None else Slice(r.container_sha256, int(r.byte_offset), int(r.size))


def recorded_among(conn: sa.Connection, shas: list[str]) -> set[str]:
    """Which of these originals the case records (one query per 500)."""
    out: set[str] = set()
    for i in range(0, len(shas), 500):
        out.update(conn.execute(sa.select(original.c.sha256).where(original.c.sha256.in_(shas[i:i + 500]))).scalars())
    return out
