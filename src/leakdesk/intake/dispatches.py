"""Listing dispatches: the shape `leakdesk dispatches --json` prints and reports use."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake.dkim import latest_verdicts
from leakdesk.store import tables as t


def list_dispatches(case: Case, variants_only: bool = False) -> list[dict[str, Any]]:
    """One dict per dispatch (top-level items and their attachments), in id order.

    With `variants_only`, only dispatches involved in a Message-ID clash (the variant and the one it copies).
    """
    d = t.dispatch
    query = (
        sa.select(
            d.c.id, d.c.parent_id, d.c.original_sha256.label("sha256"), d.c.kind, d.c.channel, d.c.filename,
            d.c.media_type, d.c.message_id, d.c.subject, d.c.sender, d.c.date, d.c.date_utc,
            t.series.c.name.label("series"), d.c.language, d.c.status, d.c.error, d.c.variant_of, d.c.pgp_status,
            d.c.pgp_details, d.c.details,
        )
        .select_from(d.outerjoin(t.series, d.c.series_id == t.series.c.id))
        .order_by(d.c.id)
    )
    if variants_only:
        clashing = sa.select(d.c.variant_of).where(d.c.variant_of.is_not(None))
        query = query.where(sa.or_(d.c.variant_of.is_not(None), d.c.id.in_(clashing)))
    with case.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    dkim = latest_verdicts(case)
    for row in rows:
        row["dkim"] = dkim.get(row["id"])  # None: never checked (`leakdesk dkim`)
        details = row.pop("details") or {}
        row["warning"] = "; ".join(details.get("warnings") or []) or None
        row["folder"] = details.get("folder")
        row["ocr"] = details.get("ocr")  # None: not a scan or image
        when = row["date_utc"]
        if when is not None:  # SQLite gives back naive datetimes; they were stored as UTC
            row["date_utc"] = (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()
    return rows
