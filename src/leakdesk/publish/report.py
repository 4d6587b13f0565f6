"""The case report: one self-contained HTML file listing every dispatch with its custody, plus what each
capability has to show (translation status, authorship verdicts, claims and timeline).

The core section comes from the intake records (store.records: dispatches, texts, custody). Other sections come
from the modules named in `SECTION_PROVIDERS`, each offering `sections(case) -> list[ReportSection]`; one that
fails is shown as a failed section (with the reason) instead of breaking the whole report.
"""

from __future__ import annotations

import importlib
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leakdesk import __version__
from leakdesk.errors import LeakdeskError
from leakdesk.intake.pgp_coverage import pgp_is_good, pgp_label
from leakdesk.sections import ReportSection
from leakdesk.store.records import custody, dispatches
from leakdesk.store.records.dispatches import Dispatch
from leakdesk.templates import render

SECTION_PROVIDERS = [
    "leakdesk.intake.report",
    "leakdesk.language.report",
    "leakdesk.authorship.report",
    "leakdesk.claims.report",
    "leakdesk.narratives.report",
    "leakdesk.publish.exposure_section",
]
REPORT_NAME = "report.html"
CORE_ORDER = 10



@dataclass
class DispatchRow:
    """One dispatch or attachment as the report shows it."""

    id: int
    parent_id: int | None
    depth: int
    kind: str
    channel: str
    filename: str | None
    media_type: str | None
    subject: str | None
    sender: str | None
    date: str | None
    message_id: str | None
    series: str | None
    language: str | None
    status: str
    error: str | None
    variant_of: int | None
    variants: list[int]
    pgp_status: str | None
    pgp_reason: str | None
    sha256: str
    charsets: list[dict[str, str | None]]
    header_warnings: list[str]
    custody: list[dict[str, Any]] = field(default_factory=list)
    pgp_label: str = ""  # what is signed and what is not, in words (intake.pgp_coverage)
    pgp_good: bool = False  # only a whole-message good signature (or a clean decryption) is shown green


@dataclass
class CaseOverview:
    """Counts shown at the top of the report and in `leakdesk demo`'s summary."""

    dispatches: int = 0  # top-level items
    attachments: int = 0
    errors: int = 0  # content could not be read (status 'error')
    warnings: int = 0  # readable, with something to know (status 'warning')
    variants: int = 0  # dispatches marked as a variant of another
    decrypted: int = 0
    not_decrypted: int = 0
    charset_detected: int = 0  # texts whose declared charset was wrong or missing
    languages: dict[str, int] = field(default_factory=dict)
    series: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading the store


def _when(value: Any) -> str:
    """A stored time as people read it: to the second, in UTC (SQLite hands back naive UTC datetimes)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat(sep=" ") + " UTC"
    return str(value) if value is not None else ""


def _charset_was_detected(reason: str | None) -> bool:
    return bool(reason) and "detected" in (reason or "")


def load_dispatches(case: Any) -> list[DispatchRow]:
    """Every dispatch and attachment, parents first and each attachment right after its parent."""
    with case.connect() as conn:
        found = dispatches.find(conn)
        events = custody.events_by_dispatch(conn)
        texts = dispatches.texts_of(conn, [d.id for d in found])
    charsets = {i: [{"role": x.role, "charset": x.charset, "reason": x.charset_reason} for x in ts if x.charset]
                for i, ts in texts.items()}
    variants: dict[int, list[int]] = {}
    for d in found:
        if d.variant_of is not None:
            variants.setdefault(d.variant_of, []).append(d.id)
            variants.setdefault(d.id, []).append(d.variant_of)
    children: dict[int | None, list[Dispatch]] = {}
    for d in found:
        children.setdefault(d.parent_id, []).append(d)

    def by_date(d: Dispatch) -> tuple[Any, ...]:
        return (d.date_utc is None, str(d.date_utc or ""), d.id)

    out: list[DispatchRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in sorted(children.get(parent, []), key=by_date if parent is None else (lambda d: d.id)):
            pgp = d.pgp_details or {}
            out.append(
                DispatchRow(
                    id=d.id,
                    parent_id=d.parent_id,
                    depth=depth,
                    kind=d.kind,
                    channel=d.channel,
                    filename=d.filename,
                    media_type=d.media_type,
                    subject=d.subject,
                    sender=d.sender,
                    date=d.date,
                    message_id=d.message_id,
                    series=d.series,
                    language=d.language,
                    status=d.status,
                    error=d.error,
                    variant_of=d.variant_of,
                    variants=sorted(set(variants.get(d.id, []))),
                    pgp_status=d.pgp_status,
                    pgp_reason=pgp.get("reason"),
                    sha256=d.original_sha256,
                    charsets=charsets.get(d.id, []),
                    header_warnings=d.details.get("header_warnings", []),
                    custody=[{**asdict(e), "time": _when(e.time)} for e in events.get(d.id, [])],
                    pgp_label=pgp_label(d.pgp_status, pgp),
                    pgp_good=pgp_is_good(d.pgp_status, pgp),
                )
            )
            walk(d.id, depth + 1)

    walk(None, 0)
    return out


def overview(rows: list[DispatchRow]) -> CaseOverview:
    """Counts over the dispatch rows (the same numbers the demo prints)."""
    view = CaseOverview()
    for row in rows:
        if row.parent_id is None:
            view.dispatches += 1
            if row.series:
                view.series[row.series] = view.series.get(row.series, 0) + 1
        else:
            view.attachments += 1
        view.errors += row.status == "error"
        view.warnings += row.status == "warning"
        view.variants += row.variant_of is not None
        view.decrypted += row.pgp_status == "decrypted"
        view.not_decrypted += row.pgp_status == "not-decrypted"
        view.charset_detected += any(_charset_was_detected(c["reason"]) for c in row.charsets)
        if row.language:
            view.languages[row.language] = view.languages.get(row.language, 0) + 1
    return view


def case_overview(case: Any) -> CaseOverview:
    return overview(load_dispatches(case))


# --------------------------------------------------------------------------- sections


def core_section(case: Any) -> ReportSection:
    """Dispatches and attachments with custody, status, language, errors, variants, PGP and series."""
    rows = load_dispatches(case)
    html = render("leakdesk.publish", "dispatches.html.j2", rows=rows, view=overview(rows))
    return ReportSection(title="Dispatches and chain of custody", html=html, order=CORE_ORDER)


def _failed(module: str, reason: str) -> ReportSection:
    html = render("leakdesk.publish", "failed.html.j2", module=module, reason=reason)
    return ReportSection(title=f"{module}: not available", html=html, order=900)


def collect_sections(case: Any, providers: list[str] | None = None) -> tuple[list[ReportSection], list[str]]:
    """The core section and every provider's sections, in order; plus warnings about providers that failed."""
    sections = [core_section(case)]
    warnings: list[str] = []
    for module_name in SECTION_PROVIDERS if providers is None else providers:
        module = importlib.import_module(module_name)  # every provider ships with leakdesk: none is optional
        try:
            found = list(module.sections(case))
        except LeakdeskError as exc:
            warnings.append(f"The report section from {module_name} could not be built: {exc}")
            sections.append(_failed(module_name, str(exc)))
            continue
        except Exception as exc:  # a bug in one capability must not cost the desk the whole report
            warnings.append(f"The report section from {module_name} failed ({type(exc).__name__}: {exc}).")
            sections.append(_failed(module_name, f"{type(exc).__name__}: {exc}"))
            continue
        for section in found:
            if not isinstance(section, ReportSection):
                raise TypeError(f"{module_name}.sections() returned {type(section).__name__}, not ReportSection")
            sections.append(section)
    sections.sort(key=lambda s: s.order)
    return sections, warnings


def _copy_files(sections: list[ReportSection], folder: Path) -> None:
    """Copy each section's images next to the report, under the names its HTML uses."""
    for section in sections:
        for name, source in section.files.items():
            if not name or Path(name).name != name or name.startswith("."):
                raise LeakdeskError(
                    f"Report section '{section.title}' names a file '{name}' outside the report folder."
                )
            source = Path(source)
            if not source.is_file():
                raise LeakdeskError(f"Report section '{section.title}' links to {source}, which does not exist.")
            if name == REPORT_NAME:
                raise LeakdeskError(f"Report section '{section.title}' may not overwrite the report itself.")
            target = folder / name
            if target.exists() and target.resolve() == source.resolve():
                continue  # the capability already wrote it next to the report
            shutil.copyfile(source, target)


@dataclass
class ReportResult:
    path: Path
    sections: list[str]
    warnings: list[str]
    overview: CaseOverview


def build_report(case: Any, providers: list[str] | None = None) -> ReportResult:
    """Write `case.reports/report.html` (and the images it links to); audit it; say what went in."""
    sections, warnings = collect_sections(case, providers)
    folder = case.reports
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _copy_files(sections, folder)
    except OSError as exc:
        raise LeakdeskError(f"The report folder {folder} cannot be written: {exc.strerror or exc}.") from exc
    generated = datetime.now(UTC).replace(microsecond=0).isoformat()
    html = render("leakdesk.publish", "report.html.j2",
        case_name=case.root.name,
        generated=generated,
        version=__version__,
        sections=sections,
        warnings=warnings,
    )
    path = folder / REPORT_NAME
    tmp = path.with_suffix(".html.tmp")
    try:
        tmp.write_text(html, "utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise LeakdeskError(f"The report could not be written to {path}: {exc.strerror or exc}.") from exc
    with case.transaction() as conn:
        case.audit(
            conn,
            "report.write",
            str(path.relative_to(case.root)),
            {"sections": [s.title for s in sections], "warnings": warnings},
        )
    return ReportResult(path, [s.title for s in sections], warnings, case_overview(case))


def write_report(case: Any) -> Path:
    """Write the case report and return its path."""
    return build_report(case).path
