"""The case report's intake sections: DKIM/ARC verdicts per email, and which texts came from OCR."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from leakdesk.intake.dkim import latest_verdicts
from leakdesk.sections import ReportSection
from leakdesk.store import tables as t

if TYPE_CHECKING:
    from leakdesk.case import Case

ORDER = 12  # right after the core intake section


def _row(cells: list[Any]) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(str(c if c is not None else ''))}</td>" for c in cells) + "</tr>"


def _table(head: list[str], rows: list[str]) -> str:
    return ("<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def dkim_section(case: Case) -> ReportSection | None:
    verdicts = latest_verdicts(case)
    if not verdicts:
        return None
    with case.connect() as conn:
        subjects = dict(conn.execute(sa.select(t.dispatch.c.id, t.dispatch.c.subject)
                                     .where(t.dispatch.c.id.in_(list(verdicts)))).all())
    rows = []
    for dispatch_id in sorted(verdicts):
        v = verdicts[dispatch_id]
        if not v["signatures"]:
            rows.append(_row([dispatch_id, subjects.get(dispatch_id), "", "", "", "unsigned", "", ""]))
        for s in v["signatures"]:
            rows.append(_row([dispatch_id, subjects.get(dispatch_id), s["kind"], s["domain"], s["selector"],
                              s["result"], s["key_source"] or "no key found", s["reason"]]))
    counts: dict[str, int] = {}
    for v in verdicts.values():
        counts[v["result"]] = counts.get(v["result"], 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    engine = next(iter(verdicts.values()))["engine"]
    fragment = (f"<p>{len(verdicts)} emails checked ({html.escape(summary)}), with {html.escape(engine)}. "
                "A pass shows the signed headers and body are as the signing domain sent them; it says nothing "
                "about who typed the letter. “key from” says whether the public key came from the desk's DNS "
                "file or a live DNS lookup.</p>"
                + _table(["dispatch", "subject", "signature", "domain", "selector", "result", "key from", "reason"],
                         rows))
    return ReportSection("Email signatures (DKIM and ARC)", fragment, order=ORDER)


def ocr_section(case: Case) -> ReportSection | None:
    d = t.dispatch.c
    with case.connect() as conn:
        rows = [r for r in conn.execute(sa.select(d.id, d.filename, d.details).where(d.reader.in_(("image", "pypdf")))
                                        .order_by(d.id)) if (r.details or {}).get("ocr")]
    if not rows:
        return None
    body = []
    for r in rows:
        info = r.details["ocr"]
        body.append(_row([r.id, r.filename, info.get("status"), info.get("pages"), info.get("characters"),
                          f"{info.get('engine')} {info.get('version') or ''}".strip(), info.get("languages"),
                          info.get("reason")]))
    waiting = sum(1 for r in rows if r.details["ocr"].get("status") == "needs OCR")
    fragment = (f"<p>{len(rows)} scans and images read by OCR; {waiting} still need OCR "
                "(run <code>leakdesk ocr CASE</code>). OCR text is a reading of the image, not the document "
                "itself: check names and figures against the original.</p>"
                + _table(["dispatch", "file", "status", "pages", "characters", "engine", "languages", "note"], body))
    return ReportSection("Text read by OCR", fragment, order=ORDER + 1)


def sections(case: Case) -> list[ReportSection]:
    return [s for s in (dkim_section(case), ocr_section(case)) if s is not None]
