"""One letter gathered from every record family, as plain JSON: what `leakdesk show` prints and the web shows."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records import claims, dates, dispatches, status, translations


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def letter_json(conn: sa.Connection, dispatch_id: int) -> dict[str, Any]:
    """Everything about one dispatch: headers, custody, original, anchor date, translation, status, claims."""
    tree = dispatches.tree(conn, dispatch_id)
    d = tree.dispatch
    numbers = dispatches.numbers_in_series(conn) if d.series_id is not None else {}
    current = translations.current(conn, dispatch_id)
    anchor = dates.anchor_date(conn, dispatch_id)
    return {
        "dispatch": plain(d),
        "number_in_series": numbers.get(d.id),
        "warnings": d.warnings,
        "attachments": [child.dispatch.id for child in tree.children],
        "headers": plain(dispatches.headers(conn, dispatch_id)),
        "custody": plain(dispatches.custody_of(conn, dispatch_id)),
        "original": plain(tree.original),
        "anchor": {"date": anchor.date.isoformat() if anchor.date else None, "source": anchor.source,
                   "reason": anchor.reason},
        "translation": None if current is None else {
            "id": current.id, "target_language": current.target_language, "status": current.status,
            "version": current.version, "by": current.by, "text": current.target_text()},
        "status": plain(status.dispatch_status(conn, dispatch_id)),
        "claims": plain(claims.of_dispatch(conn, dispatch_id)),
    }
