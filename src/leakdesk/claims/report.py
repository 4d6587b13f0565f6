"""The claims part of the case report: timeline (HTML + SVG), claim status per letter, main entities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leakdesk.claims.corroboration import dispatch_status
from leakdesk.claims.entities import list_entities
from leakdesk.claims.timeline import build_timeline, render_html, render_svg
from leakdesk.sections import ReportSection
from leakdesk.store.records import claims as claim_records
from leakdesk.templates import render


def sections(case: Any) -> list[ReportSection]:
    """Claims, timeline and entities as found so far (run `leakdesk claim extract CASE` to extract them)."""
    timeline = build_timeline(case)
    files: dict[str, Path] = {}
    svg_name = None
    if timeline["items"]:
        svg_name = "claims-timeline.svg"
        files[svg_name] = render_svg(timeline, Path(case.reports) / svg_name)  # the report copies it if it must
    with case.connect() as conn:
        statuses = [dispatch_status(conn, d) for d in claim_records.dispatches_with_claims(conn)]
    # render_html is the timeline's own (escaped) fragment; everything else is escaped by the template.
    body = render("leakdesk.claims", "claims_section.html.j2", timeline_html=render_html(timeline, svg_name),
                  statuses=statuses, entities=list_entities(case)[:30])
    return [ReportSection("Claims and timeline", body, order=40, files=files)]
