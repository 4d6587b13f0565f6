"""Facts the desk supplies for a letter whose original lacks them (a date, a sender): `desk_fact` rows.

A desk fact never replaces what the original says; each setting is a new row, and the newest row of a field is
its value. `dates.anchor_date` reads the desk's date from here too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import utc
from leakdesk.store.tables import desk_fact

FIELDS = ("date", "sender")


def add(conn: sa.Connection, dispatch_id: int, field: str, value: str, value_utc: datetime | None, note: str | None,
        actor: str, time: datetime) -> None:
    """Record one desk-supplied value (the caller checks the original has none, and audits it)."""
    conn.execute(desk_fact.insert().values(dispatch_id=dispatch_id, field=field, value=value, value_utc=value_utc,
                                           note=note, actor=actor, time=time))


def latest(conn: sa.Connection, dispatch_ids: list[int] | None = None) -> dict[int, dict[str, dict[str, Any]]]:
    """The newest value of each field, by dispatch: {id: {"date": {"value", "set_by", "time", "note"}}}."""
    query = sa.select(desk_fact).order_by(desk_fact.c.id)
    if dispatch_ids is not None:
        query = query.where(desk_fact.c.dispatch_id.in_(dispatch_ids))
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for row in conn.execute(query):
        when = utc(row.time) or row.time
        out.setdefault(row.dispatch_id, {})[row.field] = {
            "value": row.value, "set_by": row.actor, "time": when.isoformat(), "note": row.note,
        }
    return out
