"""Reports a desk can send: the case report and a publication report as one self-contained HTML file (images as
data: URIs, no local paths, source addresses only if chosen, optionally redacted) and as PDF (WeasyPrint).

The publication report is for an editor: a summary first (each letter's own status in plain words, claims with
their corroboration, the exposure check), custody and hashes after.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leakdesk import __version__
from leakdesk.errors import LeakdeskError
from leakdesk.publish.exposure import canary_summary, grouped, latest_checks, style_summary
from leakdesk.publish.redact import PATTERNS, Redactor, series_dispatch_ids
from leakdesk.publish.report import collect_sections
from leakdesk.store.records import claims as claim_records
from leakdesk.store.records import dispatches as dispatch_records
from leakdesk.store.records import status as status_records
from leakdesk.store.records import translations as translation_records
from leakdesk.store.records.series import by_name as series_by_name
from leakdesk.templates import render

ADDRESS_WITHHELD = "[address withheld]"
PATH_WITHHELD = "[local path withheld]"
AUTHORSHIP_WORDS = {
    "unverified": "not checked yet",
    "consistent": "written in the same hand as the series' other letters (measured; no expert has looked yet)",
    "disputed": "NOT in the same hand as the series' other letters",
    "doubtful": "experts disagree",
    "genuine": "judged genuine by an expert",
    "fake": "judged a fake by an expert",
}
CLAIM_WORDS = {"unverified": "not yet checked", "corroborated": "corroborated", "contradicted": "contradicted",
               "retracted": "retracted"}


class ShareError(LeakdeskError):
    """A report could not be made safe to send; nothing was written."""


@dataclass
class SharedReport:
    html: str
    pdf: str | None
    kind: str
    redacted: bool
    with_addresses: bool


# --------------------------------------------------------------------------- making HTML safe to send


def inline_files(fragment: str, files: dict[str, Path]) -> str:
    """Each file a fragment links to (`src="name"`, `href="name"`) embedded as a data: URI."""
    for name, path in files.items():
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        uri = f"data:{media};base64,{base64.b64encode(Path(path).read_bytes()).decode('ascii')}"
        for attr in ("src", "href"):
            fragment = fragment.replace(f'{attr}="{name}"', f'{attr}="{uri}"')
    return fragment


SEPARATORS = re.compile(r"[\\/]")
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
LOCAL_PATH = re.compile(r"(?<![\w:/])(?:/(?:[\w.@+-]+/)+[\w.@+ -]*[\w.@+-]|[A-Za-z]:\\(?:[^\\\s<>\"]+\\)+[^\\\s<>\"]*)")


def withhold(page: str, with_addresses: bool, case_root: Path) -> str:
    """Local paths replaced by their file name (and the case folder by nothing); e-mail addresses withheld unless
    the desk chose to show them."""
    parts = DATA_URI.split(page)  # embedded pictures (base64 is full of slashes) are left alone
    uris = DATA_URI.findall(page)
    out = []
    for i, part in enumerate(parts):
        for root in {str(case_root), str(case_root.resolve())}:
            part = part.replace(html.escape(root), "").replace(root, "")
        part = LOCAL_PATH.sub(lambda m: PATH_WITHHELD + " " + SEPARATORS.split(m.group(0))[-1], part)
        if not with_addresses:
            part = PATTERNS["email"][1].sub(ADDRESS_WITHHELD, part)
        out.append(part)
        if i < len(uris):
            out.append(uris[i])
    return "".join(out)


def redact_page(page: str, redactor: Redactor) -> str:
    """The approved redactions applied to the page's text (tags and attributes included: names only move to
    pseudonyms); refuses if any hidden name is still readable."""
    out, _ = redactor.apply(page)
    visible = html.unescape(re.sub(r"<[^>]+>", " ", out))
    left = redactor.leftovers(visible)
    if left:
        raise ShareError(f"{len(left)} redacted name(s) are still readable in the report; nothing was written.")
    return out


def _check_self_contained(page: str) -> None:
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?!data:|#)([^"']+)""", page)
    if external or "<link" in page or "<script" in page:
        raise ShareError(f"The report still links to {external[0] if external else 'an outside file'}; nothing "
                         "was written.")


def _write(case: Any, page: str, name: str, pdf: bool) -> tuple[Path, Path | None]:
    folder = case.exports / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.html"
    path.write_text(page, "utf-8")
    pdf_path = None
    if pdf:
        import logging

        import weasyprint

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        pdf_path = folder / f"{name}.pdf"
        only_data = weasyprint.urls.URLFetcher(allowed_protocols={"data"})  # a report a desk sends loads nothing
        weasyprint.HTML(string=page, url_fetcher=only_data).write_pdf(pdf_path)
    return path, pdf_path


def withhold_findings(page: str, case: Any) -> str:
    """The values the exposure check found (account names, IP addresses, sender addresses, mailers, serial
    numbers…) replaced by "[withheld]": the report says what was found, not the identifying value itself."""
    values = {f["value"] for check in latest_checks(case) for f in check["findings"] if len(f["value"]) >= 4}
    for value in sorted(values, key=len, reverse=True):
        page = page.replace(html.escape(value), "[withheld]").replace(value, "[withheld]")
    return page


def _finish(case: Any, page: str, name: str, kind: str, redactor: Redactor | None, with_addresses: bool,
            pdf: bool) -> SharedReport:
    if not with_addresses:
        page = withhold_findings(page, case)
    page = withhold(page, with_addresses, case.root)
    if redactor is not None:
        page = redact_page(page, redactor)
    _check_self_contained(page)
    path, pdf_path = _write(case, page, name, pdf)
    rel = str(path.relative_to(case.root))
    with case.transaction() as conn:
        case.audit(conn, "report.share", rel, {"kind": kind, "redacted": redactor is not None,
                                               "with_addresses": with_addresses, "pdf": pdf})
    return SharedReport(str(path), str(pdf_path) if pdf_path else None, kind, redactor is not None, with_addresses)


def _redactor(case: Any, series: str | None, redacted: bool) -> Redactor | None:
    if not redacted:
        return None
    if not series:
        raise ShareError("A redacted report is made for one series (--series NAME): redactions belong to a series.")
    redactor = Redactor.for_series(case, series)
    redactor.require_reviewed()
    return redactor


# --------------------------------------------------------------------------- the two reports


def case_report(case: Any, series: str | None = None, redacted: bool = False, with_addresses: bool = False,
                pdf: bool = False) -> SharedReport:
    """The case report (every section) as one file to send. Without `with_addresses`, e-mail addresses and the
    identifying values the exposure check found are withheld."""
    redactor = _redactor(case, series, redacted)
    sections, warnings = collect_sections(case)
    for section in sections:
        section.html = inline_files(section.html, section.files)
        section.files = {}
    page = render("leakdesk.publish", "report.html.j2",
        case_name=case.root.name, generated=datetime.now(UTC).replace(microsecond=0).isoformat(),
        version=__version__, sections=sections, warnings=warnings)
    return _finish(case, page, "case-report" + ("-redacted" if redacted else ""), "case", redactor, with_addresses,
                   pdf)


def _letters(case: Any, series: str) -> list[dict[str, Any]]:
    out = []
    with case.connect() as conn:
        srow = series_by_name(conn, series)
        for dispatch_id in series_dispatch_ids(conn, srow.id):
            d = dispatch_records.get(conn, dispatch_id)
            st = status_records.dispatch_status(conn, dispatch_id)
            claims = []
            for c in claim_records.of_dispatch(conn, dispatch_id):
                evidence = [x.evidence for x in claim_records.corroborations(conn, c.id) if x.evidence]
                claims.append({"text": c.text_en or c.text, "status": CLAIM_WORDS.get(c.status, c.status),
                               "raw_status": c.status, "evidence": evidence, "when": c.time_text})
            tr = translation_records.current(conn, dispatch_id)
            out.append({
                "id": d.id, "parent": d.parent_id, "date": d.date, "subject": d.subject, "filename": d.filename,
                "kind": d.kind, "sha256": d.original_sha256, "status": d.status,
                "authorship": AUTHORSHIP_WORDS.get(st.authorship, st.authorship), "authorship_key": st.authorship,
                "probability": st.verdict.probability if st.verdict else None,
                "reviews": [f"{r.reviewer}: {r.verdict} ({r.confidence:g})" for r in st.reviews],
                "claims": claims, "claims_summary": st.claims,
                "translation": f"{tr.target_language}, {tr.status}, by {tr.by}" if tr else "none",
                "custody": [{"time": str(e.time), "event": e.event, "channel": e.channel, "source": e.source,
                             "location": e.location, "actor": e.actor}
                            for e in dispatch_records.custody_of(conn, dispatch_id)],
            })
    return out


def publication_report(case: Any, series: str, redacted: bool = False, with_addresses: bool = False,
                       pdf: bool = False) -> SharedReport:
    """For an editor: summary first (per-letter status in plain words, claims and corroboration, the exposure
    check), custody and hashes after."""
    redactor = _redactor(case, series, redacted)
    letters = _letters(case, series)
    checks = [c for c in latest_checks(case) if c["series"] == series]
    exposure = None
    if checks:
        c = checks[-1]
        exposure = {**c, "groups": [g for g in grouped(c["findings"]) if g.risk == "high"],
                    "style_summary": style_summary(c["style"]), "canary_summary": canary_summary(c["canary"])}
    top = [x for x in letters if x["parent"] is None]
    counts = {key: sum(1 for x in top if x["authorship_key"] == key) for key in AUTHORSHIP_WORDS}
    page = render("leakdesk.publish", "publication.html.j2",
        series=series, generated=datetime.now(UTC).replace(microsecond=0).isoformat(), version=__version__,
        letters=letters, top=top, counts=counts, words=AUTHORSHIP_WORDS, exposure=exposure,
        claims=[(x, c) for x in letters for c in x["claims"]])
    slug = re.sub(r"[^\w-]+", "-", series).strip("-") or "series"
    return _finish(case, page, f"publication-{slug}" + ("-redacted" if redacted else ""), "publication", redactor,
                   with_addresses, pdf)
