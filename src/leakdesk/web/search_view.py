"""Search for the desk: words (lemmas, transliteration) and meaning (multilingual embeddings), with filters."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

import numpy as np

from leakdesk.case import Case
from leakdesk.errors import UsageError
from leakdesk.language import encoder as semantic  # the one multilingual sentence encoder
from leakdesk.store.records import search
from leakdesk.store.records import series as series_records
from leakdesk.store.records.search import Hit
from leakdesk.web.overview import LETTERS, OverviewLine

_cache = search.PassageCache()
_encoding = threading.Lock()  # the encoder keeps a shared cache and buffers: one request at a time uses it
_remembering = threading.Lock()
_query_vectors: dict[str, np.ndarray] = {}  # query text -> embedding, oldest first
QUERY_VECTORS = 1000
PER_PAGE = 20  # word hits per page; only these get snippets
MEANING_BELOW = 5  # fewer word hits than this and the meaning search runs by itself
MEANING_LIMIT = 10


def _encode(texts: list[str]) -> np.ndarray:
    with _encoding:
        return semantic.encode(texts)


@dataclass
class Result:
    hit: Hit
    letter: OverviewLine | None

    def as_json(self) -> dict[str, Any]:
        h = self.hit
        kind = h.kind if self.letter is None or self.letter.row.id == h.dispatch_id else f"attachment {h.kind}"
        return {"dispatch_id": h.dispatch_id, "label": self.letter.row.label if self.letter else None,
                "series": self.letter.row.series if self.letter else None, "kind": kind,
                "language": h.language, "how": h.how, "score": round(h.score, 4),
                "snippet": "".join(f"[{text}]" if hit else text for text, hit in h.snippet)}


@dataclass
class Results:
    words: list[Result] = field(default_factory=list)  # the shown page of word hits
    meaning: list[Result] = field(default_factory=list)
    query: str = ""
    words_total: int = 0  # texts with every word that pass the filters, on every page
    capped: bool = False  # the word search ranked MAX_MATCHES texts and stopped there
    page: int = 1
    pages: int = 1
    per_page: int = PER_PAGE
    meaning_ran: str = ""  # "" (not run) | "asked" | "few words": why the meaning search ran
    filters: dict[str, str] = field(default_factory=dict)

    def link(self, page: int = 1, meaning: bool = False) -> str:
        """This search's address at another page, or with the meaning search asked for; filters kept."""
        query = {"q": self.query, **{k: v for k, v in self.filters.items() if v}}
        if meaning or self.meaning_ran == "asked":
            query["meaning"] = "1"
        if page > 1:
            query["page"] = str(page)
        return "/search?" + urlencode(query)


def refresh(case: Case, with_meaning: bool = True) -> search.IndexReport:
    """Index what changed since the last time (new letters, new translation versions) and audit it."""
    with case.transaction() as conn:
        report = search.index_case(conn, _encode if with_meaning else None, semantic.MODEL_NAME)
        if report.added or report.replaced:
            case.audit(conn, "search.index", "search", report.as_dict())
    return report


def warm(case: Case) -> None:
    """Load the encoder and the passage vectors before the first visitor waits for them."""
    _encode(["warm-up"])
    with case.connect() as conn:
        _cache.get(conn, semantic.MODEL_NAME)
        LETTERS.get(case, conn)


def _date(value: str, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"The {what} date {value!r} is not a date like 2022-03-17.") from None


def _query_encoder(texts: list[str]) -> np.ndarray:
    """The encoder for queries: a query asked before costs no encoder pass (its embedding is remembered)."""
    if len(texts) != 1:
        return _encode(texts)
    with _remembering:
        found = _query_vectors.get(texts[0])
    if found is None:
        found = _encode(texts)[0]
        with _remembering:
            _query_vectors[texts[0]] = found
            while len(_query_vectors) > QUERY_VECTORS:
                _query_vectors.pop(next(iter(_query_vectors)))
    return found[None, :]


def run(case: Case, q: str, series: str = "", status: str = "", since: str = "", until: str = "",
        meaning: bool | None = True, page: int = 1, per_page: int = PER_PAGE) -> Results:
    """Word hits (one page of them, with snippets) and the texts closest in meaning: `meaning` True always (the
    CLI and the API), False never, None only when the words find fewer than MEANING_BELOW texts (the desk's page).
    """
    results = Results(query=q, page=page, per_page=per_page,
                      filters={"series": series, "status": status, "since": since, "until": until})
    if not q.strip():
        return results
    start, end = _date(since, "from"), _date(until, "until")
    with case.connect() as conn:
        if series:
            series_records.by_name(conn, series)  # an unknown series is an error, not an empty result
        letters = LETTERS.get(case, conn).line_of

        def keep(dispatch_id: int) -> bool:
            x = letters.get(dispatch_id)  # an attachment is judged by its letter
            if x is None:
                return not (series or status or start or end)
            if series and x.row.series != series:
                return False
            if status and x.status != status:
                return False
            when = x.row.date_utc.date() if x.row.date_utc else None
            return not ((start and (when is None or when < start)) or (end and (when is None or when > end)))

        ranked = search.word_matches(conn, q)
        results.capped = len(ranked) >= search.MAX_MATCHES
        seen: set[tuple[int, str]] = set()
        matches = []
        for m in ranked:
            if (m.dispatch_id, m.kind) not in seen and keep(m.dispatch_id):
                seen.add((m.dispatch_id, m.kind))
                matches.append(m)
        results.words_total = len(matches)
        results.pages = max(1, -(-len(matches) // per_page))
        shown = matches[(page - 1) * per_page: page * per_page]
        results.words = [Result(h, letters.get(h.dispatch_id)) for h in search.with_snippets(conn, shown, q)]
        if meaning or (meaning is None and len(matches) < MEANING_BELOW):
            results.meaning_ran = "asked" if meaning else "few words"
            near = search.by_meaning(conn, q, _query_encoder, semantic.MODEL_NAME, limit=MEANING_LIMIT * 3,
                                     cache=_cache, floor=0.25)
            results.meaning = [Result(h, letters.get(h.dispatch_id)) for h in near
                               if keep(h.dispatch_id) and (h.dispatch_id, h.kind) not in seen][:MEANING_LIMIT]
    return results
