"""S/MIME checks of an email against a CA file the desk supplies: one `smime_check` row per check.

Checks are never replaced: a re-check (another CA file, a later date) adds a row, and the newest check of each
email is its verdict (`latest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import new_id, utc
from leakdesk.store.tables import smime_check

FIELDS = ("result", "reason", "signer_subject", "signer_email", "signer_issuer", "signer_serial", "signer_not_after",
          "ca_file", "ca_sha256", "ca_subject", "engine")


@dataclass(frozen=True)
class SmimeCheck:
    id: int
    dispatch_id: int
    checked: datetime
    actor: str
    result: str  # good | bad | unknown signer | expired
    reason: str | None
    signer_subject: str | None
    signer_email: str | None
    signer_issuer: str | None
    signer_serial: str | None
    signer_not_after: datetime | None
    ca_file: str
    ca_sha256: str
    ca_subject: str | None
    engine: str


def add(conn: sa.Connection, dispatch_id: int, checked: datetime, actor: str, **values: object) -> int:
    """Record one check (`values`: FIELDS); the caller audits it."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown S/MIME check fields: {sorted(unknown)}")
    return new_id(conn.execute(smime_check.insert().values(dispatch_id=dispatch_id, checked=checked, actor=actor,
                                                           **values)))


def latest(conn: sa.Connection) -> dict[int, SmimeCheck]:
    """The newest check of every email checked so far, by dispatch id."""
    newest = sa.select(sa.func.max(smime_check.c.id)).group_by(smime_check.c.dispatch_id)
    out = {}
    for r in conn.execute(sa.select(smime_check).where(smime_check.c.id.in_(newest))):
        values: dict[str, Any] = {k: r._mapping[k] for k in FIELDS}
        values["signer_not_after"] = utc(values["signer_not_after"])
        out[r.dispatch_id] = SmimeCheck(r.id, r.dispatch_id, utc(r.checked) or r.checked, r.actor, **values)
    return out
