"""Derivatives: scrubbed, flattened or redacted copies made from an original for publication (exports/).

The original is never changed; each derivative row names the original it came from, the file written (relative
to the case folder), its sha256, the tool and who made it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import new_id, now
from leakdesk.store.tables import derivative

KINDS = ("scrubbed", "flattened", "redacted-text")


def add(conn: sa.Connection, dispatch_id: int, source_sha256: str, kind: str, path: str, sha256: str, tool: str,
        details: dict[str, Any], actor: str) -> int:
    """Record one derivative written to disk (the caller audits it); returns its id."""
    return new_id(conn.execute(derivative.insert().values(
        dispatch_id=dispatch_id, source_sha256=source_sha256, kind=kind, path=path, sha256=sha256, tool=tool,
        details=details, actor=actor, created=now())))
