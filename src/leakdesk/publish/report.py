"""The case report: one self-contained HTML file listing every dispatch with its custody, plus what each
capability has to show (translation status, authorship verdicts, claims and timeline).

The core section comes from the store's intake tables. Other sections come from the modules named in
`SECTION_PROVIDERS`, each offering `sections(case) -> list[ReportSection]`; a provider that is not installed yet is
skipped, and one that fails is shown as a failed section (with the reason) instead of breaking the whole report.
"""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa

from leakdesk import __version__
from leakdesk.errors import LeakdeskError
from leakdesk.intake.pgp_coverage import pgp_is_good, pgp_label
from leakdesk.sections import ReportSection
from leakdesk.store import tables as t

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

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("leakdesk.publish", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


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
    errors: int = 0
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
    d, s = t.dispatch, t.series
    with case.connect() as conn:
        rows = (
            conn.execute(
                sa.select(d, s.c.name.label("series_name")).select_from(d.outerjoin(s, d.c.series_id == s.c.id))
            )
            .mappings()
            .all()
        )
        custody = conn.execute(sa.select(t.custody).order_by(t.custody.c.time, t.custody.c.id)).mappings().all()
        texts = (
            conn.execute(
                sa.select(t.text.c.dispatch_id, t.text.c.role, t.text.c.charset, t.text.c.charset_reason)
                .where(t.text.c.charset.is_not(None))
                .order_by(t.text.c.id)
            )
            .mappings()
            .all()
        )
    by_dispatch: dict[int, list[dict[str, Any]]] = {}
    for entry in custody:
        if entry["dispatch_id"] is not None:
            by_dispatch.setdefault(entry["dispatch_id"], []).append({**entry, "time": _when(entry["time"])})
    charsets: dict[int, list[dict[str, str | None]]] = {}
    for text in texts:
        charsets.setdefault(text["dispatch_id"], []).append(
            {"role": text["role"], "charset": text["charset"], "reason": text["charset_reason"]}
        )
    variants: dict[int, list[int]] = {}
    for row in rows:
        if row["variant_of"] is not None:
            variants.setdefault(row["variant_of"], []).append(row["id"])
            variants.setdefault(row["id"], []).append(row["variant_of"])
    children: dict[int | None, list[Any]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)

    def sort_key(row: Any) -> tuple[Any, ...]:
        return (row["date_utc"] is None, str(row["date_utc"] or ""), row["id"])

    out: list[DispatchRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in sorted(children.get(parent, []), key=sort_key if parent is None else (lambda r: r["id"])):
            pgp = row["pgp_details"] or {}
            out.append(
                DispatchRow(
                    id=row["id"],
                    parent_id=row["parent_id"],
                    depth=depth,
                    kind=row["kind"],
                    channel=row["channel"],
                    filename=row["filename"],
                    media_type=row["media_type"],
                    subject=row["subject"],
                    sender=row["sender"],
                    date=row["date"],
                    message_id=row["message_id"],
                    series=row["series_name"],
                    language=row["language"],
                    status=row["status"],
                    error=row["error"],
                    variant_of=row["variant_of"],
                    variants=sorted(set(variants.get(row["id"], []))),
                    pgp_status=row["pgp_status"],
                    pgp_reason=pgp.get("reason") if isinstance(pgp, dict) else None,
                    sha256=row["original_sha256"],
                    charsets=charsets.get(row["id"], []),
                    header_warnings=(row["details"] or {}).get("header_warnings", []),
                    custody=by_dispatch.get(row["id"], []),
                    pgp_label=pgp_label(row["pgp_status"], pgp),
                    pgp_good=pgp_is_good(row["pgp_status"], pgp),
                )
            )
            walk(row["id"], depth + 1)

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
        view.errors += row.status != "ok"
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
    html = _env.get_template("dispatches.html.j2").render(rows=rows, view=overview(rows))
    return ReportSection(title="Dispatches and chain of custody", html=html, order=CORE_ORDER)


def _failed(module: str, reason: str) -> ReportSection:
    html = _env.get_template("failed.html.j2").render(module=module, reason=reason)
    return ReportSection(title=f"{module}: not available", html=html, order=900)


def collect_sections(case: Any, providers: list[str] | None = None) -> tuple[list[ReportSection], list[str]]:
    """The core section and every provider's sections, in order; plus warnings about providers that failed."""
    sections = [core_section(case)]
    warnings: list[str] = []
    for module_name in SECTION_PROVIDERS if providers is None else providers:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # that capability has no report yet: nothing to show
                continue
            raise
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
    html = _env.get_template("report.html.j2").render(
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
