"""schema.org ClaimReview JSON-LD for claims that have a verdict (fact-checkers' exchange format).

Only claims whose status is corroborated, contradicted or retracted are written; unverified claims have no review.
The rating scale is 1 (contradicted) – 3 (retracted by the source) – 5 (corroborated), named in `alternateName`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import ClaimsError
from leakdesk.store.tables import claim, corroboration, dispatch

RATINGS = {"corroborated": (5, "Corroborated"), "retracted": (3, "Retracted by the source"),
           "contradicted": (1, "Contradicted")}


def reviews(case: Any, publisher: str = "leakdesk desk") -> list[dict[str, Any]]:
    out = []
    with case.connect() as conn:
        rows = conn.execute(sa.select(claim, dispatch.c.subject, dispatch.c.date)
                            .join(dispatch, dispatch.c.id == claim.c.dispatch_id)
                            .where(claim.c.status.in_(list(RATINGS))).order_by(claim.c.id)).all()
        for c in rows:
            latest = conn.execute(sa.select(corroboration).where(corroboration.c.claim_id == c.id)
                                  .order_by(corroboration.c.id.desc())).first()
            value, name = RATINGS[c.status]
            evidence = [r.evidence for r in conn.execute(
                sa.select(corroboration.c.evidence).where(corroboration.c.claim_id == c.id,
                                                          corroboration.c.evidence.like("http%")))]
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
                    "datePublished": (c.date or "")[:10] or None,
                    "appearance": {"@type": "CreativeWork", "name": c.subject or f"dispatch {c.dispatch_id}",
                                   "identifier": f"dispatch:{c.dispatch_id}"},
                },
                "identifier": f"claim:{c.id}",
            }
            if latest and latest.note:
                review["reviewBody"] = latest.note
            if evidence:
                review["citation"] = sorted(set(evidence))
            if c.time_start:
                review["itemReviewed"]["temporalCoverage"] = f"{c.time_start.isoformat()}/{c.time_end.isoformat()}"
            out.append(review)
    return out


def export_claimreview(case: Any, out: Path, publisher: str = "leakdesk desk") -> dict[str, Any]:
    out = Path(out)
    if not out.parent.exists():
        raise ClaimsError(f"{out.parent}: no such folder; choose where to write the export.")
    items = reviews(case, publisher)
    out.write_text(json.dumps(items, ensure_ascii=False, indent=2) + "\n", "utf-8")
    with case.transaction() as conn:
        case.audit(conn, "claims.export.claimreview", str(out), {"reviews": len(items)})
    return {"file": str(out), "reviews": len(items)}
