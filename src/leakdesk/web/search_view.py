"""Search for the desk: words (lemmas, transliteration) and meaning (multilingual embeddings), with filters."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from leakdesk.case import Case
from leakdesk.errors import UsageError
from leakdesk.language import encoder as semantic  # the one multilingual sentence encoder
from leakdesk.store.records import search
from leakdesk.store.records.search import Hit
from leakdesk.web.overview import LETTERS, OverviewLine

_cache = search.PassageCache()
_encoding = threading.Lock()  # the encoder keeps a shared cache and buffers: one request at a time uses it


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
    words: list[Result] = field(default_factory=list)
    meaning: list[Result] = field(default_factory=list)
    query: str = ""


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


def run(case: Case, q: str, series: str = "", status: str = "", since: str = "", until: str = "",
        meaning: bool = True, limit: int = 30) -> Results:
    results = Results(query=q)
    if not q.strip():
        return results
    start, end = _date(since, "from"), _date(until, "until")
    with case.connect() as conn:
        words = search.unique(search.full_text(conn, q, limit=limit * 2))
        near = search.by_meaning(conn, q, _encode, semantic.MODEL_NAME, limit=10, cache=_cache, floor=0.25) \
            if meaning else []
        letters = LETTERS.get(case, conn).line_of

    def keep(hit: Hit) -> bool:
        x = letters.get(hit.dispatch_id)  # an attachment is judged by its letter
        if x is None:
            return not (series or status or start or end)
        if series and x.row.series != series:
            return False
        if status and x.status != status:
            return False
        when = x.row.date_utc.date() if x.row.date_utc else None
        return not ((start and (when is None or when < start)) or (end and (when is None or when > end)))

    results.words = [Result(h, letters.get(h.dispatch_id)) for h in words if keep(h)][:limit]
    found = {(r.hit.dispatch_id, r.hit.kind) for r in results.words}
    results.meaning = [Result(h, letters.get(h.dispatch_id)) for h in near
                       if keep(h) and (h.dispatch_id, h.kind) not in found][:10]
    return results
