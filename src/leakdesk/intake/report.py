"""The case report's intake sections: DKIM/ARC and S/MIME verdicts per email, and which texts came from OCR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leakdesk.intake.dkim import latest_verdicts
from leakdesk.intake.ocr import OCR_READERS
from leakdesk.intake.smime import latest_verdicts as latest_smime_verdicts
from leakdesk.sections import ReportSection
from leakdesk.store.records import dispatches
from leakdesk.templates import render

if TYPE_CHECKING:
    from leakdesk.case import Case

ORDER = 12  # right after the core intake section


def dkim_section(case: Case) -> ReportSection | None:
    return _signature_section(case, latest_verdicts(case), "dkim.html.j2", "Email signatures (DKIM and ARC)")


def smime_section(case: Case) -> ReportSection | None:
    return _signature_section(case, latest_smime_verdicts(case), "smime.html.j2", "Email signatures (S/MIME)")


def _signature_section(case: Case, verdicts: dict[int, dict[str, Any]], template: str,
                       title: str) -> ReportSection | None:
    """One report section of signature verdicts per dispatch (DKIM/ARC or S/MIME): a summary count and a table."""
    if not verdicts:
        return None
    with case.connect() as conn:
        subjects = {d.id: d.subject for d in dispatches.find(conn, sorted(verdicts))}
    counts: dict[str, int] = {}
    for v in verdicts.values():
        counts[v["result"]] = counts.get(v["result"], 0) + 1
    fragment = render("leakdesk.intake", template, verdicts=[(i, verdicts[i]) for i in sorted(verdicts)],
                      subjects=subjects, summary=", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
                      engine=next(iter(verdicts.values()))["engine"])
    return ReportSection(title, fragment, order=ORDER)


def ocr_section(case: Case) -> ReportSection | None:
    with case.connect() as conn:
        read = [d for d in dispatches.find(conn) if d.reader in OCR_READERS and d.details.get("ocr")]
    if not read:
        return None
    waiting = sum(1 for d in read if d.details["ocr"].get("status") == "needs OCR")
    fragment = render("leakdesk.intake", "ocr.html.j2", read=read, waiting=waiting)
    return ReportSection("Text read by OCR", fragment, order=ORDER + 1)


def sections(case: Case) -> list[ReportSection]:
    return [s for s in (dkim_section(case), smime_section(case), ocr_section(case)) if s is not None]
