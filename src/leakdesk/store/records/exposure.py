"""Stored exposure checks (publish.exposure): one row per check of a series, its whole result as JSON.

Checks are never replaced; the newest check of each series is the one the report shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import new_id
from leakdesk.store.tables import exposure_check


def add(conn: sa.Connection, series_id: int, population: str, result: dict[str, Any], actor: str,
        created: datetime) -> int:
    """Store one check (the caller audits it); returns its id."""
    return new_id(conn.execute(exposure_check.insert().values(series_id=series_id, population=population,
                                                              result=result, actor=actor, created=created)))


def latest_results(conn: sa.Connection) -> dict[int, dict[str, Any]]:
    """The result of the newest check of each series, by series id."""
    newest: dict[int, dict[str, Any]] = {}
    for row in conn.execute(sa.select(exposure_check.c.series_id, exposure_check.c.result)
                            .order_by(exposure_check.c.id)):
        newest[row.series_id] = dict(row.result)
    return newest
