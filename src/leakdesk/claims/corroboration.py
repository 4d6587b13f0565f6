"""Verdicts on claims, with their evidence. Status is per claim and per dispatch: never inherited.

A verdict on one letter's claim says nothing about the same words in another letter (impostor letters copy true
ones). So `set_status` touches exactly one claim, and `dispatch_status` reads only that dispatch's own claims.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import ClaimsError, NoSuchRecord, UsageError
from leakdesk.store.records import claims as claim_records
from leakdesk.store.records import dispatches
from leakdesk.store.records import series as series_records
from leakdesk.store.records.status import combine_claims

STATUSES = claim_records.STATUSES
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
        if not dispatches.find(conn, [dispatch_id]):
            raise ClaimsError(f"Evidence {evidence!r}: there is no dispatch {dispatch_id} in this case.")
        return f"dispatch:{dispatch_id}", dispatch_id
    raise UsageError(f"Evidence {evidence!r} is neither a web address (http:// or https://) nor a dispatch number.")


def not_independent(conn: sa.Connection, claim_dispatch: int, evidence_dispatch: int | None) -> str | None:
    """A warning when the evidence is another letter of the same source (same series or same pseudonym):
    a writer repeating himself corroborates nothing."""
    if evidence_dispatch is None:
        return None
    letters = {d.id: d for d in dispatches.find(conn, [claim_dispatch, evidence_dispatch])}
    a, b = letters.get(claim_dispatch), letters.get(evidence_dispatch)
    if a is None or b is None or a.series_id is None or b.series_id is None:
        return None
    same_series = a.series_id == b.series_id
    if not same_series:
        source_a = series_records.by_id(conn, a.series_id).source_id
        if source_a is None or source_a != series_records.by_id(conn, b.series_id).source_id:
            return None
    where = f"series {a.series!r}" if same_series else "another series of the same source"
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
        try:
            row = claim_records.get(conn, claim_id)
        except NoSuchRecord:
            raise ClaimsError(f"There is no claim {claim_id} in this case; list them with "
                              "`leakdesk claim list CASE`.") from None
        link, evidence_dispatch = parse_evidence(conn, evidence)
        if evidence_dispatch == row.dispatch_id:
            raise ClaimsError(f"Claim {claim_id} comes from dispatch {row.dispatch_id}; a letter cannot be its "
                              "own evidence.")
        claim_records.set_status(conn, claim_id, status, reviewer, link, evidence_dispatch, note)
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
        rows = claim_records.corroborations(conn, claim_id)
        warnings = [not_independent(conn, r.dispatch_id, r.evidence_dispatch_id) for r in rows]
    return [{"status": r.status, "previous_status": r.previous_status, "evidence": r.evidence, "note": r.note,
             "reviewer": r.reviewer, "time": r.created.isoformat(), "independent": w is None,
             **({"warning": w} if w else {})} for r, w in zip(rows, warnings, strict=True)]


def dispatch_status(conn: sa.Connection, dispatch_id: int) -> dict[str, Any]:
    """Summary of one dispatch's own claims: counts per status and one overall word (the record layer's rule)."""
    counts = {s: 0 for s in STATUSES} | claim_records.counts_by_status(conn, dispatch_id)
    return {"dispatch_id": dispatch_id, "overall": combine_claims(counts), **{s: counts[s] for s in STATUSES}}
