"""The contract between capabilities and the case report (below both, so `publish` sits on top of the data flow).

Each capability that has something to show offers `leakdesk.<capability>.report.sections(case)`, returning
`ReportSection`s; `publish/report.py` collects them in `order` and writes one HTML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ReportSection:
    title: str
    html: str  # already escaped / safe HTML fragment
    order: int = 100  # intake 10, language 20, authorship 30, claims 40, narratives 50, publish 60
    files: dict[str, Path] = field(
        default_factory=dict
    )  # images the fragment links to, by name in the report folder
