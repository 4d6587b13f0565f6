"""DKIM and ARC checks of an email: one `dkim_check` row per check, one `dkim_signature` row per signature found.

Checks are never replaced: a re-check adds a row, and the newest check of each email is its verdict (`latest`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import new_id, utc
from leakdesk.store.tables import dkim_check, dkim_signature

SIGNATURE_FIELDS = ("kind", "position", "domain", "selector", "algorithm", "result", "reason", "key_source")


@dataclass(frozen=True)
class DkimCheck:
    id: int
    dispatch_id: int
    checked: datetime
    actor: str
    signature_count: int  # DKIM-Signature headers found
    arc_result: str  # pass | fail | none (not ARC-sealed)
    arc_reason: str | None
    signatures: list[dict[str, Any]] = field(default_factory=list)  # SIGNATURE_FIELDS of each, in order


def add(conn: sa.Connection, dispatch_id: int, checked: datetime, actor: str, signature_count: int, arc_result: str,
        arc_reason: str | None, signatures: list[dict[str, Any]]) -> int:
    """Record one check and its signatures (each a dict of SIGNATURE_FIELDS); the caller audits it."""
    check_id = new_id(conn.execute(dkim_check.insert().values(
        dispatch_id=dispatch_id, checked=checked, actor=actor, signatures=signature_count, arc_result=arc_result,
        arc_reason=arc_reason)))
    if signatures:
        conn.execute(dkim_signature.insert(),
                     [{"check_id": check_id, **{k: s.get(k) for k in SIGNATURE_FIELDS}} for s in signatures])
    return check_id


def latest(conn: sa.Connection) -> dict[int, DkimCheck]:
    """The newest check of every email checked so far, by dispatch id."""
    newest = sa.select(sa.func.max(dkim_check.c.id)).group_by(dkim_check.c.dispatch_id)
    cols = [dkim_signature.c[k] for k in SIGNATURE_FIELDS]
    sigs: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(sa.select(dkim_signature.c.check_id, *cols).where(dkim_signature.c.check_id.in_(newest))
                            .order_by(dkim_signature.c.id)):
        sigs.setdefault(row.check_id, []).append({k: row._mapping[k] for k in SIGNATURE_FIELDS})
    return {r.dispatch_id: DkimCheck(r.id, r.dispatch_id, utc(r.checked) or r.checked, r.actor, r.signatures,
                                     r.arc_result, r.arc_reason, sigs.get(r.id, []))
            for r in conn.execute(sa.select(dkim_check).where(dkim_check.c.id.in_(newest)))}
