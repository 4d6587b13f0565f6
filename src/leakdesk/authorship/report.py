"""The case report's authorship section: each dispatch's own status (verdict and reviews), and for every series
report its hands, outliers, heat-map and dendrogram."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from leakdesk.authorship.casework import dispatch_status
from leakdesk.authorship.series import slug, stored_reports
from leakdesk.sections import ReportSection
from leakdesk.store.records import reviews as review_records
from leakdesk.store.records import verdicts
from leakdesk.templates import render

if TYPE_CHECKING:
    from leakdesk.case import Case


def _status_table(case: Case) -> str:
    with case.connect() as conn:
        latest = verdicts.latest_by_dispatch(conn)
        ids = sorted(set(latest) | review_records.reviewed_dispatch_ids(conn))
        verdict_reasons = {dispatch_id: v.reasons for dispatch_id, v in latest.items()}
    rows = [{"dispatch_id": i, "status": dispatch_status(case, i), "reasons": verdict_reasons.get(i, [])}
            for i in ids]
    return render("leakdesk.authorship", "status_table.html.j2", rows=rows)


def _series_html(report: dict) -> tuple[str, dict[str, Path]]:
    ids = report["matrix"]["dispatch_ids"]
    base = slug(report["series"])
    files = {}
    for kind in ("heatmap", "dendrogram"):
        path = Path(report["figures"][kind])
        if path.is_file():
            files[f"authorship-{base}-{kind}.png"] = path
    outliers = ", ".join(map(str, report["outliers"])) or "none"
    body = render("leakdesk.authorship", "series.html.j2", report=report, ids=ids, outliers=outliers,
                  images=list(files))
    return body, files


def sections(case: Case) -> list[ReportSection]:
    parts = [_status_table(case)]
    files: dict[str, Path] = {}
    for report in stored_reports(case):
        body, found = _series_html(report)
        parts.append(body)
        files.update(found)
    return [ReportSection(title="Authorship", html="".join(parts), order=30, files=files)]
