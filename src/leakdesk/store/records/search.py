"""Full-text and cross-lingual search over originals and translations.

Full text: every word is reduced to its lemma (pymorphy3 for Russian, so «Итурупе» is found by «Итуруп») and
Cyrillic lemmas are also indexed in Latin transliteration (so «Iturup» finds it too). SQLite holds the lemmas in an
FTS5 index (porter stemming for the English side); PostgreSQL matches them with its `simple` text search.
Cross-lingual: each paragraph's multilingual sentence embedding is stored, so an English query finds the Russian
letter. The encoder is passed in (`leakdesk.language.encoder`), keeping this module free of analysis code.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import sqlalchemy as sa

from leakdesk.store import tables as t

Encoder = Callable[[list[str]], np.ndarray]
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
MAX_QUERY_TERMS = 12
SNIPPET = 90  # characters of context either side of the first hit
FTS = "search_fts"
# Words too common to search for or highlight, unless the query has nothing else.
STOPWORDS = frozenset("""a an the of to in on at by for with over from and or but is are was were be been it its this
that as about into than then so not no и в во на с со по к ко о об от до за из у же ли не ни что как а но или да то это
""".split())

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))


def transliterate(word: str) -> str:
    """Cyrillic to Latin (BGN/PCGN-like, simplified): «итуруп» → iturup."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in word.lower())


def is_cyrillic(word: str) -> bool:
    return any("а" <= ch <= "я" or ch == "ё" for ch in word.lower())


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if is_cyrillic(word):
        return str(_morph().parse(word)[0].normal_form).replace("ё", "е")
    return word


def terms(word: str) -> list[str]:
    """The index terms of one word: its lemma, and for Cyrillic its Latin transliteration too."""
    base = lemma(word)
    return [base, transliterate(base)] if is_cyrillic(base) else [base]


def lemma_text(content: str) -> str:
    return " ".join(term for m in WORD.finditer(content) for term in terms(m.group()))


# --------------------------------------------------------------------------- indexing


@dataclass
class IndexReport:
    added: int = 0
    replaced: int = 0
    passages: int = 0

    def as_dict(self) -> dict[str, int]:
        return self.__dict__.copy()


def _ensure_fts(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(lemmas, tokenize='porter unicode61 "
            "remove_diacritics 2')"
        )


def _wanted(conn: sa.Connection) -> list[dict[str, Any]]:
    """What should be indexed now: each text of a dispatch, and each translation at its current version."""
    wanted = [
        {"dispatch_id": r.dispatch_id, "text_id": r.id, "translation_id": None, "version": None,
         "language": r.language}
        for r in conn.execute(sa.select(t.text.c.id, t.text.c.dispatch_id, t.text.c.language)
                              .where(t.text.c.role != "html-body"))
    ]
    tr = t.translation
    for r in conn.execute(sa.select(tr.c.id, tr.c.dispatch_id, tr.c.target_language, tr.c.version)):
        wanted.append({"dispatch_id": r.dispatch_id, "text_id": None, "translation_id": r.id, "version": r.version,
                       "language": r.target_language})
    return wanted


def _content(conn: sa.Connection, want: dict[str, Any]) -> str:
    if want["text_id"] is not None:
        return str(conn.execute(sa.select(t.text.c.content).where(t.text.c.id == want["text_id"])).scalar_one())
    return _translation_text(conn, want["translation_id"], want["version"])


def _translation_text(conn: sa.Connection, translation_id: int, version: int) -> str:
    s = t.segment
    rows = conn.execute(sa.select(s.c.position, s.c.paragraph, s.c.target)
                        .where(s.c.translation_id == translation_id, s.c.version <= version)
                        .order_by(s.c.position, s.c.version)).all()
    latest: dict[int, Any] = {}
    for r in rows:
        latest[r.position] = r
    out: list[str] = []
    last_paragraph = None
    for _, r in sorted(latest.items()):
        if last_paragraph is not None and r.paragraph != last_paragraph:
            out.append("\n\n")
        elif out:
            out.append(" ")
        out.append(r.target)
        last_paragraph = r.paragraph
    return "".join(out)


def passages(content: str, target: int = 400) -> list[tuple[int, int]]:
    """Paragraph spans, short neighbours joined, long ones cut, for embedding."""
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", content, re.S):
        start, end = m.start(), m.end()
        while end - start > 2 * target:
            cut = content.rfind(" ", start, start + target) + 1 or start + target
            spans.append((start, cut))
            start = cut
        if spans and start - spans[-1][0] < target and end - spans[-1][0] < target:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def index_case(conn: sa.Connection, encoder: Encoder | None = None, encoder_name: str = "") -> IndexReport:
    """Bring the search index up to date in the caller's transaction; unchanged texts are left alone."""
    _ensure_fts(conn)
    report = IndexReport()
    have = {(r.text_id, r.translation_id): r for r in conn.execute(
        sa.select(t.search_doc.c.id, t.search_doc.c.text_id, t.search_doc.c.translation_id, t.search_doc.c.version))}
    stamp = datetime.now(UTC)
    new_passages: list[tuple[int, str, int, int]] = []
    for want in _wanted(conn):
        old = have.get((want["text_id"], want["translation_id"]))
        if old is not None and old.version == want["version"]:
            continue
        if old is not None:
            _drop(conn, old.id)
            report.replaced += 1
        else:
            report.added += 1
        content = _content(conn, want)
        lemmas = lemma_text(content)
        doc_id = conn.execute(t.search_doc.insert().values(
            dispatch_id=want["dispatch_id"], text_id=want["text_id"], translation_id=want["translation_id"],
            version=want["version"], language=want["language"], content=content, lemmas=lemmas, indexed=stamp,
        )).inserted_primary_key[0]  # type: ignore[index]
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"INSERT INTO {FTS}(rowid, lemmas) VALUES (?, ?)", (int(doc_id), lemmas))
        new_passages.extend((int(doc_id), content[a:b], a, b) for a, b in passages(content))
    if encoder is not None and new_passages:
        vectors = encoder([p[1] for p in new_passages]).astype(np.float32)
        conn.execute(t.search_passage.insert(), [
            {"doc_id": doc, "start_char": a, "end_char": b, "encoder": encoder_name,
             "embedding": vectors[i].tobytes()}
            for i, (doc, _, a, b) in enumerate(new_passages)
        ])
        report.passages = len(new_passages)
    return report


def _drop(conn: sa.Connection, doc_id: int) -> None:
    conn.execute(t.search_passage.delete().where(t.search_passage.c.doc_id == doc_id))
    conn.execute(t.search_doc.delete().where(t.search_doc.c.id == doc_id))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DELETE FROM {FTS} WHERE rowid = ?", (doc_id,))


# --------------------------------------------------------------------------- queries


@dataclass
class Hit:
    doc_id: int
    dispatch_id: int
    kind: str  # original | translation
    language: str | None
    snippet: list[tuple[str, bool]]  # pieces of text, True where a query word matched
    score: float
    how: str = "words"  # words | meaning
    extra: dict[str, Any] = field(default_factory=dict)


def query_terms(q: str) -> list[list[str]]:
    """For each query word, the index terms any of which may match it."""
    groups = []
    words = [m.group() for m in WORD.finditer(q)]
    meaningful = [w for w in words if w.lower() not in STOPWORDS]
    for word in (meaningful or words)[:MAX_QUERY_TERMS]:
        options = terms(word)
        if not is_cyrillic(word):
            options = [word.lower()]
        groups.append(sorted(set(options)))
    return groups


def _fts_expression(groups: list[list[str]]) -> str:
    return " AND ".join("(" + " OR ".join('"' + o.replace('"', "") + '"' for o in g) + ")" for g in groups)


def _snippet(content: str, groups: list[list[str]]) -> list[tuple[str, bool]]:
    """The text around the first word that matches, matches highlighted; words after the window are not read."""
    wanted = {o for g in groups for o in g}
    stemmed = {_stem(o) for o in wanted}
    decided: dict[str, bool] = {}

    def matches(word: str) -> bool:
        found = decided.get(word)
        if found is None:
            found = decided[word] = any(x in wanted or _stem(x) in stemmed for x in terms(word))
        return found

    marks: list[tuple[int, int]] = []
    window_end: int | None = None
    for m in WORD.finditer(content):
        if window_end is not None and m.end() > window_end:
            break
        if matches(m.group()):
            marks.append((m.start(), m.end()))
            if window_end is None:
                window_end = m.end() + SNIPPET
    if not marks:
        return [(content[: 2 * SNIPPET].strip(), False)]
    start = max(0, marks[0][0] - SNIPPET)
    end = min(len(content), marks[0][1] + SNIPPET)
    pieces, pos = [], start
    for a, b in marks:
        pieces.append((content[pos:a], False))
        pieces.append((content[a:b], True))
        pos = b
    pieces.append((content[pos:end], False))
    if start > 0:
        pieces.insert(0, ("…", False))
    if end < len(content):
        pieces.append(("…", False))
    return [p for p in pieces if p[0]]


def _stem(word: str) -> str:
    """A crude English suffix fold, only to decide what to highlight (FTS5's porter stemmer does the matching)."""
    for suffix in ("ing", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Match:
    """A text that has every query word, before any snippet is made: cheap to filter and count."""

    doc_id: int
    dispatch_id: int
    kind: str  # original | translation
    language: str | None
    score: float


MAX_MATCHES = 1000  # texts a word query ranks; more are counted as "more than"


def word_matches(conn: sa.Connection, q: str, limit: int = MAX_MATCHES) -> list[Match]:
    """The best `limit` texts with every query word (any form), best first; no text is read."""
    groups = query_terms(q)
    if not groups:
        return []
    d = t.search_doc
    if conn.dialect.name == "sqlite":
        _ensure_fts(conn)
        rows = conn.exec_driver_sql(
            # FTS5's own `rank` column (bm25) sorts faster than calling bm25() in ORDER BY.
            f"SELECT f.rowid, f.rank, d.dispatch_id, d.translation_id, d.language "
            f"FROM {FTS} AS f JOIN search_doc AS d ON d.id = f.rowid WHERE {FTS} MATCH ? ORDER BY f.rank LIMIT ?",
            (_fts_expression(groups), limit),
        ).all()
        return [Match(int(r[0]), int(r[2]), "translation" if r[3] else "original", r[4], -float(r[1]))
                for r in rows]
    tsquery = " & ".join("(" + " | ".join(o.replace("'", "") for o in g) + ")" for g in groups)
    vector = sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), d.c.lemmas)
    query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), tsquery)
    rank = sa.func.ts_rank(vector, query)
    rows = conn.execute(sa.select(d.c.id, rank, d.c.dispatch_id, d.c.translation_id, d.c.language)
                        .where(vector.op("@@")(query)).order_by(rank.desc(), d.c.id).limit(limit)).all()
    return [Match(int(r[0]), int(r[2]), "translation" if r[3] else "original", r[4], float(r[1])) for r in rows]


def with_snippets(conn: sa.Connection, matches: list[Match], q: str) -> list[Hit]:
    """Hits with highlighted snippets, for the matches a page shows (only their texts are read)."""
    groups = query_terms(q)
    scores = {m.doc_id: m.score for m in matches}
    return _hits(conn, scores, lambda content, _doc: _snippet(content, groups), "words")


def full_text(conn: sa.Connection, q: str, limit: int = 50) -> list[Hit]:
    """The best `limit` texts with every query word, with snippets."""
    return with_snippets(conn, word_matches(conn, q, limit), q)


def _hits(conn: sa.Connection, scores: dict[int, float], snippet: Callable[[str, int], list[tuple[str, bool]]],
          how: str) -> list[Hit]:
    if not scores:
        return []
    d = t.search_doc
    rows = conn.execute(sa.select(d.c.id, d.c.dispatch_id, d.c.translation_id, d.c.language, d.c.content)
                        .where(d.c.id.in_(list(scores)))).all()
    hits = [Hit(r.id, r.dispatch_id, "translation" if r.translation_id else "original", r.language,
                snippet(r.content, r.id), scores[r.id], how) for r in rows]
    return sorted(hits, key=lambda h: (-h.score, h.doc_id))


def _passage_matrix(conn: sa.Connection, encoder_name: str) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """All passage vectors of one encoder as one C-contiguous float32 matrix (one row per passage)."""
    p = t.search_passage
    rows = conn.execute(sa.select(p.c.doc_id, p.c.start_char, p.c.end_char, p.c.embedding)
                        .where(p.c.encoder == encoder_name).order_by(p.c.id)).all()
    if not rows:
        return np.zeros((0, 1), np.float32), []
    width = len(rows[0].embedding) // 4
    matrix = np.frombuffer(b"".join(r.embedding for r in rows), dtype=np.float32).reshape(len(rows), width)
    return np.ascontiguousarray(matrix), [(r.doc_id, r.start_char, r.end_char) for r in rows]


class PassageCache:
    """The passage matrix kept in memory between queries; reloaded only when passages are added or removed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int, int] | None = None
        self._value: tuple[np.ndarray, list[tuple[int, int, int]]] = (np.zeros((0, 1), np.float32), [])

    def get(self, conn: sa.Connection, encoder_name: str) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
        # Passages are only ever inserted (new id) or deleted (count falls): the newest id and the count say it all.
        p = t.search_passage
        top, count = conn.execute(sa.select(sa.func.max(p.c.id), sa.func.count())
                                  .where(p.c.encoder == encoder_name)).one()
        key = (encoder_name, int(top or 0), int(count or 0))
        with self._lock:
            if key != self._key:
                self._value, self._key = _passage_matrix(conn, encoder_name), key
            return self._value


def by_meaning(conn: sa.Connection, q: str, encoder: Encoder, encoder_name: str, limit: int = 10,
               cache: PassageCache | None = None, floor: float = 0.3) -> list[Hit]:
    """Documents whose best paragraph is nearest in meaning to the query, in any language."""
    matrix, spans = (cache or PassageCache()).get(conn, encoder_name)
    if not spans or not q.strip():
        return []
    vector = np.ascontiguousarray(encoder([q])[0], dtype=np.float32)
    similarity = matrix @ vector
    keep = min(len(spans), limit * 20)  # enough passages for `limit` distinct documents in practice
    nearest = np.argpartition(-similarity, keep - 1)[:keep]
    best: dict[int, tuple[float, int, int]] = {}
    for i in nearest[np.argsort(-similarity[nearest], kind="stable")]:
        doc, a, b = spans[int(i)]
        if similarity[i] >= floor and doc not in best:
            best[doc] = (float(similarity[i]), a, b)
            if len(best) == limit:
                break
    top = best

    def snippet(content: str, doc: int) -> list[tuple[str, bool]]:
        _, a, b = top[doc]
        text = content[a:b]
        return [(text if len(text) <= 2 * SNIPPET * 2 else text[: 4 * SNIPPET] + "…", False)]

    return _hits(conn, {doc: v[0] for doc, v in top.items()}, snippet, "meaning")


def indexed_dispatches(conn: sa.Connection) -> set[int]:
    return {r.dispatch_id for r in conn.execute(sa.select(t.search_doc.c.dispatch_id).distinct())}


def unique(hits: Iterable[Hit]) -> list[Hit]:
    """One hit per dispatch and kind, the best first."""
    seen: set[tuple[int, str]] = set()
    out = []
    for h in sorted(hits, key=lambda h: -h.score):
        if (h.dispatch_id, h.kind) not in seen:
            seen.add((h.dispatch_id, h.kind))
            out.append(h)
    return out
