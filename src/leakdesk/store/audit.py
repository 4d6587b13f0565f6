"""Append-only, hash-chained audit log. Each row's hash covers the row and the hash of the row before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.tables import audit

GENESIS = "0" * 64
# Built once: an audit entry is written for every change of state, so statement construction matters.
_LAST_ENTRY = sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
_INSERT = audit.insert()


def canonical(details: Any) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(seq: int, time: str, actor: str, action: str, obj: str, details: str, prev_hash: str) -> str:
    payload = canonical([seq, time, actor, action, obj, details, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(conn: sa.Connection, actor: str, action: str, obj: str, details: Any = None) -> int:
    """Add one entry inside the caller's transaction; returns its seq.

    On PostgreSQL a transaction-level advisory lock serialises writers; SQLite's write lock does the same.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7243001)"))
    last = conn.execute(_LAST_ENTRY).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    time = datetime.now(UTC).isoformat(timespec="microseconds")
    body = canonical(details if details is not None else {})
    digest = row_hash(seq, time, actor, action, obj, body, prev)
    conn.execute(
        _INSERT,
        {"seq": seq, "time": time, "actor": actor, "action": action, "object": obj, "details": body,
         "prev_hash": prev, "hash": digest},
    )
    return seq


@dataclass(frozen=True)
class BrokenRow:
    seq: int
    problem: str


def verify(conn: sa.Connection) -> list[BrokenRow]:
    """Every audit row whose hash or link to the row before does not hold."""
    broken: list[BrokenRow] = []
    prev, expected_seq = GENESIS, 1
    for r in conn.execute(sa.select(audit).order_by(audit.c.seq)):
        if r.seq != expected_seq:
            broken.append(BrokenRow(r.seq, f"rows {expected_seq}..{r.seq - 1} are missing"))
        if r.prev_hash != prev:
            broken.append(BrokenRow(r.seq, "does not link to the row before it"))
        elif row_hash(r.seq, r.time, r.actor, r.action, r.object, r.details, r.prev_hash) != r.hash:
            broken.append(BrokenRow(r.seq, "its content was changed after it was written"))
        prev, expected_seq = r.hash, r.seq + 1
    return broken
