"""The case report's authorship section: each dispatch's own status (verdict and reviews), and for every series
report its hands, outliers, heat-map and dendrogram."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from leakdesk.authorship.casework import dispatch_status
from leakdesk.authorship.series import slug, stored_reports
from leakdesk.sections import ReportSection
from leakdesk.store.records import reviews as review_records
from leakdesk.store.records import verdicts

if TYPE_CHECKING:
    from leakdesk.case import Case


def _status_table(case: Case) -> str:
    with case.connect() as conn:
        latest = verdicts.latest_by_dispatch(conn)
        ids = sorted(set(latest) | review_records.reviewed_dispatch_ids(conn))
        verdict_reasons = {dispatch_id: v.reasons for dispatch_id, v in latest.items()}
    if not ids:
        return "<p>No dispatch has been checked for authorship yet (run <code>leakdesk verify</code>).</p>"
    rows = []
    for dispatch_id in ids:
        st = dispatch_status(case, dispatch_id)
        a = st["authorship"]
        verdict = f"{html.escape(a['decision'])} (P(same) {a['probability']:.2f})" if a else "not verified"
        reviews = "; ".join(
            f"{html.escape(r['reviewer'])}: {html.escape(r['verdict'])} ({r['confidence']:g})" for r in st["reviews"]
        )
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in verdict_reasons.get(dispatch_id, [])[:4])
        rows.append(
            f"<tr><td>{dispatch_id}</td><td><b>{html.escape(st['status'])}</b></td><td>{verdict}</td>"
            f"<td><ul>{reasons}</ul></td><td>{reviews or '—'}</td></tr>"
        )
    return (
        "<p>Each dispatch's status comes from its own authorship verdict and its own expert reviews only; nothing is "
        "inherited from other letters of the series.</p>"
        "<table><thead><tr><th>dispatch</th><th>status</th><th>authorship</th><th>reasons</th><th>reviews</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _series_html(report: dict) -> tuple[str, dict[str, Path]]:
    ids = report["matrix"]["dispatch_ids"]
    base = slug(report["series"])
    files = {}
    for kind in ("heatmap", "dendrogram"):
        path = Path(report["figures"][kind])
        if path.is_file():
            files[f"authorship-{base}-{kind}.png"] = path
    hands = "".join(
        f"<li>hand {h['hand']}: dispatches {', '.join(str(ids[m]) for m in h['members'])}</li>" for h in report["hands"]
    )
    outliers = ", ".join(map(str, report["outliers"])) or "none"
    images = "".join(f'<img src="{html.escape(name)}" alt="{html.escape(name)}">' for name in files)
    body = (
        f"<h3>Series {html.escape(report['series'])}</h3>"
        f"<p>{len(ids)} letters, {len(report['hands'])} hand(s) found; judged by another writer: {outliers}. "
        f"Reference texts used: {report['reference_texts']}. Computed {html.escape(report['created'])}.</p>"
        f"<ul>{hands}</ul>{images}"
    )
    return body, files


def sections(case: Case) -> list[ReportSection]:
    parts = [_status_table(case)]
    files: dict[str, Path] = {}
    for report in stored_reports(case):
        body, found = _series_html(report)
        parts.append(body)
        files.update(found)
    return [ReportSection(title="Authorship", html="".join(parts), order=30, files=files)]
