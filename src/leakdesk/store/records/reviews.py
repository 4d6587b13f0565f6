"""Expert reviews: one expert's judgment of one dispatch (and only that dispatch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import UsageError
from leakdesk.store.records.common import new_id, now, require_dispatch, utc
from leakdesk.store.tables import expert_review

VERDICTS = ("genuine", "doubtful", "fake")


@dataclass(frozen=True)
class Review:
    id: int
    dispatch_id: int
    reviewer: str
    verdict: str  # genuine | doubtful | fake
    confidence: float
    note: str | None
    created: datetime


def _review(r: Any) -> Review:
    return Review(r.id, r.dispatch_id, r.reviewer, r.verdict, r.confidence, r.note, utc(r.created) or r.created)


def of_dispatch(conn: sa.Connection, dispatch_id: int) -> list[Review]:
    rows = conn.execute(sa.select(expert_review).where(expert_review.c.dispatch_id == dispatch_id)
                        .order_by(expert_review.c.id))
    return [_review(r) for r in rows]


def add(conn: sa.Connection, dispatch_id: int, reviewer: str, verdict: str, confidence: float,
        note: str | None = None) -> Review:
    """Record a review after checking it; the caller audits it in the same transaction."""
    if verdict not in VERDICTS:
        raise UsageError(f"'{verdict}' is not a verdict; use one of: {', '.join(VERDICTS)}.")
    if not 0 <= confidence <= 1:
        raise UsageError(f"Confidence must be between 0 and 1 (got {confidence}).")
    if not reviewer.strip():
        raise UsageError("Name the reviewer (--reviewer).")
    require_dispatch(conn, dispatch_id)
    stamp = now()
    review_id = new_id(conn.execute(expert_review.insert().values(
        dispatch_id=dispatch_id, reviewer=reviewer.strip(), verdict=verdict, confidence=confidence, note=note,
        created=stamp)))
    return Review(review_id, dispatch_id, reviewer.strip(), verdict, confidence, note, stamp)


def reviewed_dispatch_ids(conn: sa.Connection) -> set[int]:
    """Every dispatch at least one expert reviewed."""
    return {int(i) for i in conn.execute(sa.select(expert_review.c.dispatch_id).distinct()).scalars()}
