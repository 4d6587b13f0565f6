"""The claims part of the case report: timeline (HTML + SVG), claim status per letter, main entities."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from leakdesk.claims.corroboration import dispatch_status
from leakdesk.claims.entities import list_entities
from leakdesk.claims.timeline import build_timeline, render_html, render_svg
from leakdesk.sections import ReportSection
from leakdesk.store.records import claims as claim_records


def sections(case: Any) -> list[ReportSection]:
    """Claims, timeline and entities as found so far (run `leakdesk claims CASE` to extract them)."""
    timeline = build_timeline(case)
    files: dict[str, Path] = {}
    svg_name = None
    if timeline["items"]:
        svg_name = "claims-timeline.svg"
        files[svg_name] = render_svg(timeline, Path(case.reports) / svg_name)  # the report copies it if it must
    e = html.escape
    with case.connect() as conn:
        statuses = [dispatch_status(conn, d) for d in claim_records.dispatches_with_claims(conn)]
    rows = "".join(
        f"<tr><td>{s['dispatch_id']}</td><td>{e(s['overall'])}</td><td>{s['corroborated']}</td>"
        f"<td>{s['contradicted']}</td><td>{s['unverified']}</td><td>{s['retracted']}</td></tr>" for s in statuses)
    status_html = ("<h3>Claim status per letter (each letter's own claims only)</h3><table><tr><th>Dispatch</th>"
                   "<th>Overall</th><th>Corroborated</th><th>Contradicted</th><th>Unverified</th><th>Retracted</th>"
                   f"</tr>{rows}</table>") if statuses else "<p>No claims extracted yet.</p>"
    entities = list_entities(case)[:30]
    entity_rows = "".join(
        f"<tr><td>{e(x.name)}</td><td>{x.type}</td><td>{e(', '.join(x.aliases[:6]))}</td><td>{x.mentions}</td></tr>"
        for x in entities)
    entity_html = ("<h3>Main entities</h3><table><tr><th>Name</th><th>Type</th><th>Also written</th>"
                   f"<th>Mentions</th></tr>{entity_rows}</table>") if entities else ""
    body = "<h3>Timeline</h3>" + render_html(timeline, svg_name) + status_html + entity_html
    return [ReportSection("Claims and timeline", body, order=40, files=files)]
