"""Authorship verdicts: one row per judgment of one dispatch against its series, newest last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import new_id, now, utc
from leakdesk.store.tables import authorship_verdict

DECISIONS = ("same", "different", "cannot tell")


@dataclass(frozen=True)
class Verdict:
    id: int
    dispatch_id: int
    series_id: int
    method: str
    method_version: str
    score: float  # fused log-odds
    probability: float  # calibrated P(same author as the rest of the series)
    decision: str  # same | different | cannot tell
    reasons: list[str]
    ood: list[str]
    created: datetime


def _verdict(r: Any) -> Verdict:
    return Verdict(r.id, r.dispatch_id, r.series_id, r.method, r.method_version, r.score, r.probability,
                   r.decision, list(r.reasons or []), list(r.ood or []), utc(r.created) or r.created)


def of_dispatch(conn: sa.Connection, dispatch_id: int) -> list[Verdict]:
    """Every verdict on one dispatch, oldest first."""
    rows = conn.execute(sa.select(authorship_verdict).where(authorship_verdict.c.dispatch_id == dispatch_id)
                        .order_by(authorship_verdict.c.id))
    return [_verdict(r) for r in rows]


def latest(conn: sa.Connection, dispatch_id: int) -> Verdict | None:
    """The dispatch's own newest verdict (never another letter's)."""
    found = of_dispatch(conn, dispatch_id)
    return found[-1] if found else None


def latest_by_dispatch(conn: sa.Connection, series_id: int | None = None) -> dict[int, Verdict]:
    """The newest verdict of every judged dispatch (of one series)."""
    q = sa.select(authorship_verdict).order_by(authorship_verdict.c.id)
    if series_id is not None:
        q = q.where(authorship_verdict.c.series_id == series_id)
    return {r.dispatch_id: _verdict(r) for r in conn.execute(q)}


def add(conn: sa.Connection, dispatch_id: int, series_id: int, method: str, method_version: str, score: float,
        probability: float, decision: str, reasons: list[str], ood: list[str]) -> int:
    """Store one verdict; the caller audits it. A re-run with unchanged inputs is skipped by the pipeline."""
    return new_id(conn.execute(authorship_verdict.insert().values(
        dispatch_id=dispatch_id, series_id=series_id, method=method, method_version=method_version, score=score,
        probability=probability, decision=decision, reasons=reasons, ood=ood, created=now())))


def replace(conn: sa.Connection, dispatch_id: int, series_id: int, method_version: str) -> None:
    """Drop the verdicts a new run of the same method version supersedes (older versions stay as history)."""
    conn.execute(authorship_verdict.delete().where(
        authorship_verdict.c.dispatch_id == dispatch_id, authorship_verdict.c.series_id == series_id,
        authorship_verdict.c.method_version == method_version))
