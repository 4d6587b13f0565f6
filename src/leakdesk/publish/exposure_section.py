"""The case report's exposure section: the newest stored exposure check of each series (`leakdesk series
exposure`)."""

from __future__ import annotations

from typing import Any

from leakdesk.publish.exposure import canary_summary, grouped, latest_checks, style_summary
from leakdesk.sections import ReportSection
from leakdesk.templates import render

ORDER = 60


def sections(case: Any) -> list[ReportSection]:
    checks = latest_checks(case)
    if not checks:
        html = render("leakdesk.publish", "exposure_none.html.j2")
        return [ReportSection(title="Exposure check", html=html, order=ORDER)]
    shown = [{**c, "groups": grouped(c["findings"]), "style_summary": style_summary(c["style"]),
              "canary_summary": canary_summary(c["canary"])} for c in checks]
    html = render("leakdesk.publish", "exposure.html.j2", checks=shown)
    return [ReportSection(title="Exposure check", html=html, order=ORDER)]
