"""Verdicts on claims, with their evidence. Status is per claim and per dispatch: never inherited.

A verdict on one letter's claim says nothing about the same words in another letter (impostor letters copy true
ones). So `set_status` touches exactly one claim, and `dispatch_status` reads only that dispatch's own claims.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from leakdesk.claims.entities import now
from leakdesk.errors import ClaimsError, UsageError
from leakdesk.store.tables import claim, corroboration, dispatch, series

STATUSES = ("unverified", "corroborated", "contradicted", "retracted")
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
_DISPATCH = re.compile(r"^(?:dispatch[:\s#]*)?(\d+)$", re.IGNORECASE)


def parse_evidence(conn: sa.Connection, evidence: str | None) -> tuple[str | None, int | None]:
    """A web address, or a dispatch of this case ("12", "dispatch:12"); anything else is refused."""
    if evidence is None or not evidence.strip():
        return None, None
    evidence = evidence.strip()
    if _URL.match(evidence):
        return evidence, None
    m = _DISPATCH.match(evidence)
    if m:
        dispatch_id = int(m.group(1))
        if conn.execute(sa.select(dispatch.c.id).where(dispatch.c.id == dispatch_id)).first() is None:
            raise ClaimsError(f"Evidence {evidence!r}: there is no dispatch {dispatch_id} in this case.")
        return f"dispatch:{dispatch_id}", dispatch_id
    raise UsageError(f"Evidence {evidence!r} is neither a web address (http:// or https://) nor a dispatch number.")


def not_independent(conn: sa.Connection, claim_dispatch: int, evidence_dispatch: int | None) -> str | None:
    """A warning when the evidence is another letter of the same source (same series or same pseudonym):
    a writer repeating himself corroborates nothing."""
    if evidence_dispatch is None:
        return None
    rows = {r.id: r for r in conn.execute(
        sa.select(dispatch.c.id, dispatch.c.series_id, series.c.name, series.c.source_id)
        .select_from(dispatch.outerjoin(series, series.c.id == dispatch.c.series_id))
        .where(dispatch.c.id.in_([claim_dispatch, evidence_dispatch])))}
    a, b = rows.get(claim_dispatch), rows.get(evidence_dispatch)
    if a is None or b is None or a.series_id is None or b.series_id is None:
        return None
    same_series = a.series_id == b.series_id
    if not same_series and (a.source_id is None or a.source_id != b.source_id):
        return None
    where = f"series {a.name!r}" if same_series else "another series of the same source"
    return (f"Dispatch {evidence_dispatch} is another letter of the same source ({where}): it is not independent "
            "evidence, only the source saying it again.")


def set_status(case: Any, claim_id: int, status: str, evidence: str | None = None, note: str | None = None,
               reviewer: str | None = None) -> dict[str, Any]:
    """Record a verdict on one claim, keep the history, audit it."""
    if status not in STATUSES:
        raise UsageError(f"Status {status!r} is not one of: {', '.join(STATUSES)}.")
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise UsageError("Say who gives this verdict with --reviewer NAME.")
    if status in ("corroborated", "contradicted") and not (evidence and evidence.strip()):
        raise UsageError(f"A claim can only be marked {status} with its evidence: give --evidence URL or a dispatch.")
    with case.transaction() as conn:
        row = conn.execute(sa.select(claim).where(claim.c.id == claim_id)).first()
        if row is None:
            raise ClaimsError(f"There is no claim {claim_id} in this case; list them with `leakdesk claims CASE`.")
        link, evidence_dispatch = parse_evidence(conn, evidence)
        if evidence_dispatch == row.dispatch_id:
            raise ClaimsError(f"Claim {claim_id} comes from dispatch {row.dispatch_id}; a letter cannot be its "
                              "own evidence.")
        conn.execute(sa.insert(corroboration).values(
            claim_id=claim_id, dispatch_id=row.dispatch_id, status=status, previous_status=row.status,
            evidence=link, evidence_dispatch_id=evidence_dispatch, note=note, reviewer=reviewer, created=now()))
        conn.execute(sa.update(claim).where(claim.c.id == claim_id).values(status=status))
        warning = not_independent(conn, row.dispatch_id, evidence_dispatch)
        case.audit(conn, "claims.status", f"claim:{claim_id}", {
            "dispatch": row.dispatch_id, "from": row.status, "to": status, "evidence": link, "note": note,
            "reviewer": reviewer, **({"independent": False} if warning else {})})
        letter = dispatch_status(conn, row.dispatch_id)
    return {"claim_id": claim_id, "dispatch_id": row.dispatch_id, "previous_status": row.status, "status": status,
            "evidence": link, "reviewer": reviewer, "dispatch_status": letter,
            "independent": warning is None, "warnings": [warning] if warning else []}


def history(case: Any, claim_id: int) -> list[dict[str, Any]]:
    with case.connect() as conn:
        rows = conn.execute(sa.select(corroboration).where(corroboration.c.claim_id == claim_id)
                            .order_by(corroboration.c.id)).all()
        warnings = [not_independent(conn, r.dispatch_id, r.evidence_dispatch_id) for r in rows]
    return [{"status": r.status, "previous_status": r.previous_status, "evidence": r.evidence, "note": r.note,
             "reviewer": r.reviewer, "time": r.created.isoformat(), "independent": w is None,
             **({"warning": w} if w else {})} for r, w in zip(rows, warnings, strict=True)]


def dispatch_status(conn: sa.Connection, dispatch_id: int) -> dict[str, Any]:
    """Summary of one dispatch's own claims: counts per status and one overall word (the record layer's rule)."""
    from leakdesk.store.records import claims as claim_records
    from leakdesk.store.records.status import combine_claims

    counts = {s: 0 for s in STATUSES} | claim_records.counts_by_status(conn, dispatch_id)
    return {"dispatch_id": dispatch_id, "overall": combine_claims(counts), **{s: counts[s] for s in STATUSES}}
