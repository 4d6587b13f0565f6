"""schema.org ClaimReview JSON-LD for claims that have a verdict (fact-checkers' exchange format).

Only claims whose status is corroborated, contradicted or retracted are written; unverified claims have no review.
The rating scale is 1 (contradicted) – 3 (retracted by the source) – 5 (corroborated), named in `alternateName`.
The review of a claim is its latest corroboration; its citations are every web address given as evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leakdesk.publish.export_ftm import require_folder
from leakdesk.store.records import claims, dispatches
from leakdesk.store.records.claims import Claim, Corroboration
from leakdesk.store.records.dispatches import Dispatch

RATINGS = {"corroborated": (5, "Corroborated"), "retracted": (3, "Retracted by the source"),
           "contradicted": (1, "Contradicted")}


def _review(c: Claim, letter: Dispatch, history: list[Corroboration], publisher: str) -> dict[str, Any]:
    latest = history[-1] if history else None
    value, name = RATINGS[c.status]
    evidence = [h.evidence for h in history if h.evidence and h.evidence.startswith("http")]
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": c.text_en or c.text,
        "datePublished": latest.created.date().isoformat() if latest else None,
        "author": {"@type": "Organization", "name": publisher},
        "reviewRating": {"@type": "Rating", "ratingValue": value, "bestRating": 5, "worstRating": 1,
                         "alternateName": name},
        "itemReviewed": {
            "@type": "Claim",
            "text": c.text,
            "inLanguage": c.language,
            "datePublished": (letter.date or "")[:10] or None,
            "appearance": {"@type": "CreativeWork", "name": letter.subject or f"dispatch {c.dispatch_id}",
                           "identifier": f"dispatch:{c.dispatch_id}"},
        },
        "identifier": f"claim:{c.id}",
    }
    if latest and latest.note:
        review["reviewBody"] = latest.note
    if evidence:
        review["citation"] = sorted(set(evidence))
    if c.time_start and c.time_end:
        review["itemReviewed"]["temporalCoverage"] = f"{c.time_start.isoformat()}/{c.time_end.isoformat()}"
    return review


def reviews(case: Any, publisher: str = "leakdesk desk") -> list[dict[str, Any]]:
    """One ClaimReview per claim with a verdict, in the order the claims were found."""
    with case.connect() as conn:
        judged = sorted((c for c in claims.find(conn) if c.status in RATINGS), key=lambda c: c.id)
        letters = {d.id: d for d in dispatches.find(conn, sorted({c.dispatch_id for c in judged}))}
        return [_review(c, letters[c.dispatch_id], claims.corroborations(conn, c.id), publisher) for c in judged]


def export_claimreview(case: Any, out: Path, publisher: str = "leakdesk desk") -> dict[str, Any]:
    """Write the reviews as one JSON array to OUT; audited."""
    out = Path(out)
    require_folder(out)
    items = reviews(case, publisher)
    out.write_text(json.dumps(items, ensure_ascii=False, indent=2) + "\n", "utf-8")
    with case.transaction() as conn:
        case.audit(conn, "claims.export.claimreview", str(out), {"reviews": len(items)})
    return {"file": str(out), "reviews": len(items)}
