"""The combined status of one dispatch, from its OWN verdict, its OWN expert reviews and its OWN claims.

Nothing is inherited from other letters of the series: in real cases one expert check of the first letter was later
quoted as if it covered every letter, impostor letters included. The report, the CLI and the web desk all show this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from leakdesk.store.records import claims, reviews, verdicts
from leakdesk.store.records.common import require_dispatch
from leakdesk.store.records.reviews import Review
from leakdesk.store.records.verdicts import Verdict

AUTHORSHIP_STATUSES = ("unverified", "consistent", "disputed", "doubtful", "genuine", "fake")


@dataclass(frozen=True)
class DispatchStatus:
    dispatch_id: int
    authorship: str  # unverified | consistent | disputed | doubtful | genuine | fake
    claims: str  # no claims | unverified | partly corroborated | corroborated | has contradicted claims | retracted
    verdict: Verdict | None
    reviews: list[Review] = field(default_factory=list)
    claim_counts: dict[str, int] = field(default_factory=dict)


def combine_authorship(decision: str | None, given: list[tuple[str, float]]) -> str:
    """The verdict alone when no expert looked; else the experts' weighted verdict, "disputed" when it contradicts
    the measured verdict and "doubtful" when experts are split evenly."""
    if not given:
        return {"same": "consistent", "different": "disputed"}.get(decision or "", "unverified")
    weight: dict[str, float] = {}
    for verdict, confidence in given:
        weight[verdict] = weight.get(verdict, 0.0) + confidence
    top, top_weight = max(weight.items(), key=lambda kv: kv[1])
    if sum(1 for w in weight.values() if w == top_weight) > 1:
        return "doubtful"
    if (top == "genuine" and decision == "different") or (top == "fake" and decision == "same"):
        return "disputed"
    return top


def combine_claims(counts: dict[str, int]) -> str:
    """One word for a dispatch's own claims."""
    if not any(counts.values()):
        return "no claims"
    if counts.get("contradicted"):
        return "has contradicted claims"
    if counts.get("retracted") and not counts.get("corroborated"):
        return "retracted"
    if counts.get("corroborated") and not counts.get("unverified"):
        return "corroborated"
    if counts.get("corroborated"):
        return "partly corroborated"
    return "unverified"


def dispatch_status(conn: sa.Connection, dispatch_id: int) -> DispatchStatus:
    """The status of one dispatch from its own records only."""
    require_dispatch(conn, dispatch_id)
    verdict = verdicts.latest(conn, dispatch_id)
    given = reviews.of_dispatch(conn, dispatch_id)
    counts = {s: 0 for s in claims.STATUSES} | claims.counts_by_status(conn, dispatch_id)
    authorship = combine_authorship(verdict.decision if verdict else None, [(r.verdict, r.confidence) for r in given])
    return DispatchStatus(dispatch_id, authorship, combine_claims(counts), verdict, given, counts)
