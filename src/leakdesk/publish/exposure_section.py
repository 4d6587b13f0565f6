"""The case report's exposure section: the newest stored exposure check of each series (run `leakdesk exposure`)."""

from __future__ import annotations

from typing import Any

from leakdesk.publish.exposure import canary_summary, grouped, latest_checks, style_summary
from leakdesk.publish.report import _env
from leakdesk.sections import ReportSection

ORDER = 60


def sections(case: Any) -> list[ReportSection]:
    checks = latest_checks(case)
    if not checks:
        html = ("<p>No exposure check has been run yet (run <code>leakdesk exposure CASE</code> before publishing: "
                "it shows the metadata, style and quotes that could expose the source).</p>")
        return [ReportSection(title="Exposure check", html=html, order=ORDER)]
    shown = [{**c, "groups": grouped(c["findings"]), "style_summary": style_summary(c["style"]),
              "canary_summary": canary_summary(c["canary"])} for c in checks]
    html = _env.get_template("exposure.html.j2").render(checks=shown)
    return [ReportSection(title="Exposure check", html=html, order=ORDER)]
