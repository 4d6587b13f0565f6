"""The editor's overview, the series page, entities and audit: record-layer rows shaped for pages and the API."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.store.records import desk
from leakdesk.store.records import series as series_records
from leakdesk.store.records.desk import LetterRow
from leakdesk.web.status import STATUS_WORDS, authorship_status, claims_word, combined, verdict_sentence

PAGE = 200  # letters per overview page
SORTS = ("number", "date", "subject", "language", "status", "translation")
AUDIT_PAGE = 100


@dataclass
class OverviewLine:
    row: LetterRow
    status: str  # unverified | consistent | disputed | doubtful | genuine | fake
    status_words: str
    claims: str
    combined: str

    def as_json(self) -> dict[str, Any]:
        r = self.row
        return {
            "id": r.id, "series": r.series, "number": r.number, "label": r.label, "date": r.date,
            "subject": r.subject, "sender": r.sender, "language": r.language, "read_status": r.status,
            "translation_status": r.translation_status or "none", "authorship_status": self.status,
            "authorship_decision": r.decision, "probability": r.probability, "claims": self.claims,
            "status": self.combined, "warnings": r.warnings, "attachments": r.attachments,
        }


@dataclass
class Overview:
    lines: list[OverviewLine]
    total: int
    series_names: list[str]
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "number"
    descending: bool = False
    page: int = 1
    matching: int = 0  # letters that pass the filters, on every page
    per_page: int | None = PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.matching // self.per_page)) if self.per_page else 1

    def link(self, page: int) -> str:
        """This view's address at another page, filters and sorting kept."""
        from urllib.parse import urlencode

        query = {k: v for k, v in self.filters.items() if v}
        query.update({"sort": self.sort, "page": str(page)} | ({"desc": "1"} if self.descending else {}))
        return "/?" + urlencode(query)


@dataclass
class Letters:
    rows: list[LetterRow]
    by_id: dict[int, LetterRow]
    names: list[str]
    lines: list[OverviewLine]
    line_of: dict[int, OverviewLine]  # by dispatch id; an attachment maps to its letter's line


class LetterCache:
    """The letters as `desk.letters` reads them, with their overview lines, reused until the audit log moves on
    (every change of state, from the desk or the CLI, writes an audit entry). Shared: treat as read-only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int] | None = None
        self._value: Letters | None = None

    def get(self, case: Case, conn: sa.Connection) -> Letters:
        key = (str(case.engine.url), desk.state_mark(conn))
        with self._lock:
            if key != self._key or self._value is None:
                rows = desk.letters(conn)
                lines = [line(r) for r in rows]
                line_of = {x.row.id: x for x in lines}
                for child, parent in desk.parents(conn).items():
                    if parent in line_of:
                        line_of[child] = line_of[parent]
                self._value = Letters(rows, {r.id: r for r in rows}, desk.series_names(conn), lines, line_of)
                self._key = key
            return self._value


LETTERS = LetterCache()


def line(row: LetterRow) -> OverviewLine:
    status = authorship_status(row)
    return OverviewLine(row, status, STATUS_WORDS[status], claims_word(row.claim_counts), combined(row))


def _key(sort: str):  # noqa: ANN202
    return {
        "number": lambda x: (x.row.series or "", x.row.number or 0, x.row.id),
        "date": lambda x: (x.row.date_utc.isoformat() if x.row.date_utc else "", x.row.id),
        "subject": lambda x: ((x.row.subject or "").lower(), x.row.id),
        "language": lambda x: (x.row.language or "", x.row.id),
        "status": lambda x: (x.status, x.row.id),
        "translation": lambda x: (x.row.translation_status or "", x.row.id),
    }[sort if sort in SORTS else "number"]


def build(case: Case, series: str = "", status: str = "", translation: str = "", warnings_only: bool = False,
          subject: str = "", sort: str = "number", descending: bool = False, page: int = 1,
          per_page: int | None = PAGE) -> Overview:
    with case.connect() as conn:
        cached = LETTERS.get(case, conn)
    names, lines = cached.names, list(cached.lines)
    total = len(lines)
    if series:
        lines = [x for x in lines if x.row.series == series]
    if status:
        lines = [x for x in lines if x.status == status]
    if translation:
        lines = [x for x in lines if (x.row.translation_status or "none") == translation]
    if warnings_only:
        lines = [x for x in lines if x.row.warnings]
    if subject:
        needle = subject.casefold()
        lines = [x for x in lines if needle in (x.row.subject or "").casefold()]
    lines.sort(key=_key(sort), reverse=descending)
    filters = {"series": series, "status": status, "translation": translation,
               "warnings": "1" if warnings_only else "", "q": subject}
    matching = len(lines)
    if per_page:
        lines = lines[(page - 1) * per_page: page * per_page]
    return Overview(lines, total, names, filters, sort if sort in SORTS else "number", descending, page, matching,
                    per_page)


@dataclass
class SeriesView:
    name: str
    lines: list[OverviewLine]
    verdicts: list[dict[str, Any]]
    outliers: list[OverviewLine]
    hands: list[list[str]] = field(default_factory=list)  # letter labels per hand, from the series analysis
    heat_labels: list[str] = field(default_factory=list)
    heat: list[list[tuple[float, int]]] = field(default_factory=list)  # probability and its tenth (CSS class)


def series(case: Case, name: str) -> SeriesView:
    """A series' letters with each one's own verdict; outliers are letters judged to be by another hand."""
    with case.connect() as conn:
        verdicts = desk.verdicts_of_series(conn, name)
        lines = [x for x in LETTERS.get(case, conn).lines if x.row.series == name]
        found = series_records.find_by_name(conn, name)
        analysis = next((a for a in series_records.analyses(conn) if found and a.series_id == found.id), None)
    outliers = [x for x in lines if x.status in ("disputed", "fake") or x.row.decision == "different"]
    for v in verdicts:
        v["sentence"] = verdict_sentence(v["decision"], v["probability"])
    view = SeriesView(name, lines, verdicts, outliers)
    if analysis is not None:
        _add_analysis(view, analysis.result, {x.row.id: x.row.label for x in lines})
    return view


def _add_analysis(view: SeriesView, result: dict[str, Any], labels: dict[int, str]) -> None:
    """The pairwise same-hand probabilities as a heat map, and the hands the analysis found."""
    matrix = result.get("matrix") or {}
    ids = [int(i) for i in matrix.get("dispatch_ids", [])]
    view.heat_labels = [labels.get(i, f"dispatch {i}") for i in ids]
    view.heat = [[(float(p), min(9, int(float(p) * 10))) for p in row] for row in matrix.get("probability", [])]
    for hand in result.get("hands", []):
        view.hands.append([view.heat_labels[m] for m in hand.get("members", []) if m < len(view.heat_labels)])


def entities(case: Case, q: str = "") -> list[dict[str, Any]]:
    with case.connect() as conn:
        found = desk.entities(conn)
    if q:
        needle = q.casefold()
        found = [e for e in found if needle in e["name"].casefold() or any(needle in a.casefold()
                                                                           for a in e["aliases"])]
    return found


def audit(case: Case, actor: str | None, page: int = 1) -> desk.AuditView:
    with case.connect() as conn:
        return desk.audit_entries(conn, actor, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE)
