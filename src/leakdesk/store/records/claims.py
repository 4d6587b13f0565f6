"""Claims of a dispatch and the verdicts given on them (corroboration); status is per claim, per dispatch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord, UsageError
from leakdesk.store.records import dispatches
from leakdesk.store.records.common import new_id, now, utc
from leakdesk.store.tables import claim, claims_run, corroboration

STATUSES = ("unverified", "corroborated", "contradicted", "retracted")


@dataclass(frozen=True)
class ClaimDraft:
    """A claim as the claims step builds it from a sentence; stored with `save` (status kept, or "unverified")."""

    dispatch_id: int
    text_id: int
    start_char: int
    end_char: int
    text: str
    language: str | None
    text_en: str | None
    checkworthiness: float | None
    scored_on: str | None  # original | aligned-translation | not-scored
    actors: list[dict[str, Any]]
    places: list[dict[str, Any]]
    time_text: str | None
    time_value: str | None
    time_start: date | None
    time_end: date | None
    anchor: date | None
    anchor_source: str
    modality: str
    polarity: str
    flags: list[str]
    model_version: str


@dataclass(frozen=True)
class Claim(ClaimDraft):
    """A stored claim: what was extracted, and the latest verdict given on it."""

    id: int = 0
    status: str = "unverified"  # unverified | corroborated | contradicted | retracted
    created: datetime | None = None


@dataclass(frozen=True)
class Corroboration:
    id: int
    claim_id: int
    dispatch_id: int
    status: str
    previous_status: str
    evidence: str | None
    evidence_dispatch_id: int | None
    note: str | None
    reviewer: str
    created: datetime


def _claim(r: Any) -> Claim:
    fields = {f: getattr(r, f) for f in ClaimDraft.__dataclass_fields__}
    fields |= {"actors": list(r.actors or []), "places": list(r.places or []), "flags": list(r.flags or [])}
    return Claim(**fields, id=r.id, status=r.status, created=utc(r.created) or r.created)


def of_dispatch(conn: sa.Connection, dispatch_id: int) -> list[Claim]:
    """The claims of one dispatch (its own texts only), in text order."""
    rows = conn.execute(sa.select(claim).where(claim.c.dispatch_id == dispatch_id)
                        .order_by(claim.c.text_id, claim.c.start_char))
    return [_claim(r) for r in rows]


def find(conn: sa.Connection, series_id: int | None = None, dispatch_id: int | None = None) -> list[Claim]:
    """All claims (of one series, with its letters' attachments, or of one dispatch), in letter order."""
    q = sa.select(claim)
    if series_id is not None:
        q = q.where(claim.c.dispatch_id.in_(dispatches.in_series(series_id)))
    if dispatch_id is not None:
        q = q.where(claim.c.dispatch_id == dispatch_id)
    return [_claim(r) for r in conn.execute(q.order_by(claim.c.dispatch_id, claim.c.start_char))]


def dispatches_with_claims(conn: sa.Connection) -> list[int]:
    """The dispatches that have claims of their own, in id order."""
    return [int(r[0]) for r in conn.execute(sa.select(claim.c.dispatch_id).distinct().order_by(claim.c.dispatch_id))]


def get(conn: sa.Connection, claim_id: int) -> Claim:
    row = conn.execute(sa.select(claim).where(claim.c.id == claim_id)).first()
    if row is None:
        raise NoSuchRecord(f"No such claim {claim_id} in this case.")
    return _claim(row)


def corroborations(conn: sa.Connection, claim_id: int) -> list[Corroboration]:
    rows = conn.execute(sa.select(corroboration).where(corroboration.c.claim_id == claim_id)
                        .order_by(corroboration.c.id))
    return [Corroboration(r.id, r.claim_id, r.dispatch_id, r.status, r.previous_status, r.evidence,
                          r.evidence_dispatch_id, r.note, r.reviewer, utc(r.created) or r.created) for r in rows]


def counts_by_status(conn: sa.Connection, dispatch_id: int) -> dict[str, int]:
    """How many of the dispatch's own claims are in each status."""
    rows = conn.execute(sa.select(claim.c.status, sa.func.count()).where(claim.c.dispatch_id == dispatch_id)
                        .group_by(claim.c.status))
    return {status: int(n) for status, n in rows}


def set_status(conn: sa.Connection, claim_id: int, status: str, reviewer: str, evidence: str | None = None,
               evidence_dispatch_id: int | None = None, note: str | None = None) -> Corroboration:
    """Give a verdict on one claim (history kept in `corroboration`, the claim holds the latest); the caller audits
    it in the same transaction."""
    if status not in STATUSES:
        raise UsageError(f"'{status}' is not a claim status; use one of: {', '.join(STATUSES)}.")
    if not reviewer.strip():
        raise UsageError("Name the reviewer (--reviewer).")
    found = get(conn, claim_id)
    stamp = now()
    row_id = new_id(conn.execute(corroboration.insert().values(
        claim_id=claim_id, dispatch_id=found.dispatch_id, status=status, previous_status=found.status,
        evidence=evidence, evidence_dispatch_id=evidence_dispatch_id, note=note, reviewer=reviewer.strip(),
        created=stamp)))
    conn.execute(claim.update().where(claim.c.id == claim_id).values(status=status))
    return Corroboration(row_id, claim_id, found.dispatch_id, status, found.status, evidence, evidence_dispatch_id,
                         note, reviewer.strip(), stamp)


# ---------------------------------------------------------------------------------------------- extraction
def of_text(conn: sa.Connection, text_id: int) -> list[Claim]:
    """The claims found in one text, in text order."""
    rows = conn.execute(sa.select(claim).where(claim.c.text_id == text_id).order_by(claim.c.start_char))
    return [_claim(r) for r in rows]


def save(conn: sa.Connection, draft: ClaimDraft, claim_id: int | None = None) -> int:
    """Store a new claim (status "unverified"), or rewrite claim `claim_id` keeping its status and history."""
    values = {f: getattr(draft, f) for f in ClaimDraft.__dataclass_fields__}
    if claim_id is not None:
        conn.execute(claim.update().where(claim.c.id == claim_id).values(**values))
        return claim_id
    return new_id(conn.execute(claim.insert().values(status="unverified", created=now(), **values)))


def remove_unjudged(conn: sa.Connection, claim_id: int) -> bool:
    """Delete a claim no longer found, unless someone gave a verdict on it (then it stays); True if deleted."""
    judged = conn.execute(sa.select(corroboration.c.id).where(corroboration.c.claim_id == claim_id)).first()
    if judged is not None:
        return False
    conn.execute(claim.delete().where(claim.c.id == claim_id))
    return True


# ---------------------------------------------------------------------------------------------- extraction runs
@dataclass(frozen=True)
class ExtractionRun:
    """What the entity, carry or claims step noted on one text or translation (`claims_run`)."""

    id: int
    stage: str  # entities | carry | claims
    version: str
    text_id: int | None
    translation_id: int | None
    translation_version: int | None
    notes: dict[str, Any]
    created: datetime


def record_run(conn: sa.Connection, stage: str, version: str, notes: dict[str, Any], *, text_id: int | None = None,
               translation_id: int | None = None, translation_version: int | None = None) -> None:
    conn.execute(claims_run.insert().values(stage=stage, text_id=text_id, translation_id=translation_id,
                                            translation_version=translation_version, version=version, notes=notes,
                                            created=now()))


def texts_run(conn: sa.Connection, stage: str, version: str) -> set[int]:
    """The texts a step has already processed at this version."""
    return {int(r[0]) for r in conn.execute(sa.select(claims_run.c.text_id).where(
        claims_run.c.stage == stage, claims_run.c.version == version, claims_run.c.text_id.is_not(None)))}


def translation_run(conn: sa.Connection, stage: str, version: str, translation_id: int,
                    translation_version: int) -> bool:
    """True when a step has processed this version of a translation."""
    return conn.execute(sa.select(claims_run.c.id).where(
        claims_run.c.stage == stage, claims_run.c.version == version, claims_run.c.translation_id == translation_id,
        claims_run.c.translation_version == translation_version)).first() is not None


def last_run(conn: sa.Connection, stage: str, version: str, text_id: int) -> ExtractionRun | None:
    """The newest run of a step on one text at this version."""
    r = conn.execute(sa.select(claims_run).where(claims_run.c.stage == stage, claims_run.c.text_id == text_id,
                                                 claims_run.c.version == version)
                     .order_by(claims_run.c.id.desc())).first()
    return None if r is None else ExtractionRun(r.id, r.stage, r.version, r.text_id, r.translation_id,
                                                r.translation_version, dict(r.notes or {}), utc(r.created) or r.created)
