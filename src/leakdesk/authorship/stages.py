"""The authorship capability's pipeline stages: each letter verified against its series, the series as a whole."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from leakdesk.authorship.verifier import VERSION
from leakdesk.store.records import dispatches, references, series
from leakdesk.store.records.provenance import Stage, item_id


def _series_with_letters(minimum: int) -> Any:
    def items(case: Any, conn: sa.Connection) -> list[str]:
        return [f"series:{s.id}" for s in series.all_series(conn) if s.letters >= minimum]

    return items


def _series_inputs(case: Any, conn: sa.Connection, item: str) -> Any:
    """The letters of the series (text and variant links), every other series' letters (the impostor pool) and the
    reference texts: a change in any of them changes the verdicts."""
    sid = item_id(item)
    letters = dispatches.find(conn, top_level=True)
    in_series = [d for d in letters if d.series_id is not None]
    digests = dispatches.text_digests(conn, [d.id for d in in_series])
    return {
        "letters": [[d.id, d.variant_of, digests.get(d.id, [])] for d in in_series if d.series_id == sid],
        "pool": sorted(h for d in in_series if d.series_id != sid for _, _, h in digests.get(d.id, [])),
        "references": sorted(r.original_sha256 + r.language for r in references.all_references(conn)),
    }


def _verify(case: Any, item: str) -> dict[str, Any]:
    from leakdesk.authorship.casework import verify_series

    with case.connect() as conn:
        name = series.by_id(conn, item_id(item)).name
    found = verify_series(case, name)
    decisions: dict[str, int] = {}
    for v in found:
        decisions[v["decision"]] = decisions.get(v["decision"], 0) + 1
    return {"verdicts": len(found), **decisions}


def _analyse(case: Any, item: str) -> dict[str, Any]:
    from leakdesk.authorship.series import series_report

    with case.connect() as conn:
        name = series.by_id(conn, item_id(item)).name
    found = series_report(case, name)
    return {"hands": len(found["hands"]), "outliers": found["outliers"]}


STAGES = [
    Stage("verify", f"verify-{VERSION}", reads=("text", "series", "reference_text"), writes=("authorship_verdict",),
          items=_series_with_letters(1), inputs=_series_inputs, run=_verify,
          description="each letter against all its other letters (leave-one-out)"),
    Stage("series-analysis", f"series-{VERSION}", reads=("text", "series", "reference_text"),
          writes=("series_analysis",),
          items=_series_with_letters(2), inputs=_series_inputs, run=_analyse,
          description="how many hands wrote each series, and its outliers"),
]
