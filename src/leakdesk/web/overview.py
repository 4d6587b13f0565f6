"""The editor's overview, the series page, entities and audit: record-layer rows shaped for pages and the API."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup

from leakdesk.case import Case
from leakdesk.store.records import desk
from leakdesk.store.records import series as series_records
from leakdesk.store.records.desk import LetterRow
from leakdesk.web.render import env
from leakdesk.web.status import STATUS_WORDS, authorship_status, claims_word, combined, verdict_sentence

PAGE = 50  # letters per overview page: only these are rendered
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
    rows_html: list[Markup] = field(default_factory=list)  # the shown lines' table rows, rendered

    @property
    def pages(self) -> int:
        return max(1, -(-self.matching // self.per_page)) if self.per_page else 1

    def link(self, page: int) -> str:
        """This view's address at another page, filters and sorting kept."""
        from urllib.parse import urlencode

        query = {k: v for k, v in self.filters.items() if v}
        query.update({"sort": self.sort, "page": str(page)} | ({"desc": "1"} if self.descending else {}))
        return "/?" + urlencode(query)


# Audit actions that change no line of the overview, and those that change only the named letter's own facts.
QUIET = frozenset({"web.login", "web.logout", "user.add", "user.remove", "token.create", "search.index",
                   "exposure.check", "narratives.evidence.attach"})
PER_LETTER = frozenset({"authorship.review", "translation.correct", "translation.comment", "translation.status",
                        "claims.status"})
_DISPATCH_OBJECT = re.compile(r"^dispatch[ :/#](\d+)$")


@dataclass
class Letters:
    rows: list[LetterRow]
    by_id: dict[int, LetterRow]
    names: list[str]
    lines: list[OverviewLine]
    line_of: dict[int, OverviewLine]  # by dispatch id; an attachment maps to its letter's line
    parents: dict[int, int] = field(default_factory=dict)  # attachment -> its top-level letter
    _orders: dict[str, list[OverviewLine]] = field(default_factory=dict)
    _rows_html: dict[int, Markup] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, rows: list[LetterRow], names: list[str], parents: dict[int, int],
           rows_html: dict[int, Markup] | None = None) -> Letters:
        lines = [line(r) for r in rows]
        line_of = {x.row.id: x for x in lines}
        for child, parent in parents.items():
            if parent in line_of:
                line_of[child] = line_of[parent]
        return cls(rows, {r.id: r for r in rows}, names, lines, line_of, parents, _rows_html=dict(rows_html or {}))

    def ordered(self, sort: str) -> list[OverviewLine]:
        """Every line in one sort order (ascending), sorted once per state of the case."""
        with self._lock:
            found = self._orders.get(sort)
            if found is None:
                found = self._orders[sort] = sorted(self.lines, key=_key(sort))
            return found

    def row_html(self, x: OverviewLine) -> Markup:
        """The overview's table row of one letter, rendered once per state of that letter. A row holds only the
        letter's own facts (nothing of the user, role or session), like every line of this cache."""
        found = self._rows_html.get(x.row.id)
        if found is None:
            found = Markup(env.get_template("_letter_row.html").render(x=x))
            self._rows_html[x.row.id] = found
        return found

    def updated(self, rows: dict[int, LetterRow]) -> Letters:
        """A new cache with some letters' rows replaced (the others, their lines and rendered rows, kept)."""
        kept = {i: h for i, h in self._rows_html.items() if i not in rows}
        return Letters.of([rows.get(r.id, r) for r in self.rows], self.names, self.parents, kept)


class LetterCache:
    """The letters as `desk.letters` reads them, with their overview lines, reused until the audit log moves on
    (every change of state, from the desk or the CLI, writes an audit entry). When the new entries only touch some
    letters' own facts (a review, a correction, a claim's status), only those letters are read again.
    Shared between requests and threads: treat what it returns as read-only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int] | None = None
        self._value: Letters | None = None
        self.full_reads = 0  # how often every letter was read (for tests and benchmarks)

    def get(self, case: Case, conn: sa.Connection) -> Letters:
        url, mark = str(case.engine.url), desk.state_mark(conn)
        with self._lock:
            if self._value is None or self._key is None or self._key[0] != url:
                self._value = self._read(conn)
            elif self._key[1] != mark:
                touched = _touched(desk.changes_since(conn, self._key[1]))
                if touched is None:
                    self._value = self._read(conn)
                elif touched:
                    self._value = self._value.updated(desk.reread_letters(conn, self._value.by_id, touched))
            self._key = (url, mark)
            return self._value

    def _read(self, conn: sa.Connection) -> Letters:
        self.full_reads += 1
        return Letters.of(desk.letters(conn), desk.series_names(conn), desk.parents(conn))


def _touched(changes: list[tuple[str, str, str]] | None) -> set[int] | None:
    """The letters whose own facts the audit entries changed; None when something else may have changed."""
    if changes is None:
        return None
    touched: set[int] = set()
    for action, obj, details in changes:
        if action in QUIET:
            continue
        if action not in PER_LETTER:
            return None
        try:
            named = json.loads(details).get("dispatch")
        except (ValueError, AttributeError):
            named = None
        match = _DISPATCH_OBJECT.match(obj)
        if isinstance(named, int):
            touched.add(named)
        elif match:
            touched.add(int(match.group(1)))
        else:
            return None
    return touched


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
    sort = sort if sort in SORTS else "number"
    ordered = cached.ordered(sort)
    lines = list(reversed(ordered)) if descending else ordered
    needle = subject.casefold()
    if series or status or translation or warnings_only or subject:
        lines = [x for x in lines
                 if (not series or x.row.series == series) and (not status or x.status == status)
                 and (not translation or (x.row.translation_status or "none") == translation)
                 and (not warnings_only or x.row.warnings)
                 and (not subject or needle in (x.row.subject or "").casefold())]
    filters = {"series": series, "status": status, "translation": translation,
               "warnings": "1" if warnings_only else "", "q": subject}
    matching = len(lines)
    if per_page:
        lines = lines[(page - 1) * per_page: page * per_page]
    view = Overview(list(lines), len(cached.lines), cached.names, filters, sort, descending, page, matching,
                    per_page)
    view.rows_html = [cached.row_html(x) for x in view.lines]
    return view


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


def audit(case: Case, actor: str | None, page: int = 1, chain: desk.ChainWatch | None = None,
          full: bool = False) -> desk.AuditView:
    """A page of the audit log; the chain verified from `chain`'s last look on (only the new entries), or all of
    it when `full`."""
    with case.connect() as conn:
        return desk.audit_entries(conn, actor, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE, chain=chain,
                                  full=full)
