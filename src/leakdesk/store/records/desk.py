"""Reads the web desk needs that the shared record layer does not (yet) give: letters with their numbers and
warnings in bulk, one letter's full page, the audit log, series, entities. Typed, read-only, no capability imports.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import DeskNotFound
from leakdesk.store import tables as t
from leakdesk.store.audit import ChainWatch
from leakdesk.store.records import series as series_records
from leakdesk.store.records import translations
from leakdesk.store.records.common import no_such_dispatch
from leakdesk.store.records.dispatches import headers as dispatch_headers


@dataclass
class LetterRow:
    """One top-level dispatch as the overview shows it; facts only, the combined status is computed above store."""

    id: int
    series: str | None
    number: int | None  # position in its series by date (a variant carries the number of the letter it copies)
    date: str | None
    date_utc: datetime | None
    subject: str | None
    sender: str | None
    language: str | None
    status: str
    error: str | None
    variant_of: int | None
    pgp_status: str | None
    translation_id: int | None = None
    translation_status: str | None = None
    decision: str | None = None
    probability: float | None = None
    reviews: list[tuple[str, float]] = field(default_factory=list)
    claim_counts: dict[str, int] = field(default_factory=dict)
    attachments: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        number = f"letter {self.number}" if self.number is not None else f"dispatch {self.id}"
        return number + (" (variant)" if self.variant_of else "")


def _aware(when: datetime | None) -> datetime | None:
    return None if when is None else (when if when.tzinfo else when.replace(tzinfo=UTC))


@lru_cache(maxsize=50_000)
def _address(sender: str | None) -> str:
    return parseaddr(sender or "")[1].lower()


def _metadata_names(details: Any) -> list[str]:
    """People named by a file's own metadata (author, last modified by, creator)."""
    meta = (details or {}).get("metadata") or {}
    found = []
    for key in ("author", "last_modified_by", "Author", "Creator", "creator"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            found.append(value.strip())
    return found


def letters(conn: sa.Connection) -> list[LetterRow]:
    """Every top-level dispatch with its number, translation state, verdict, reviews, claims and warnings."""
    d = t.dispatch
    rows = conn.execute(
        sa.select(d.c.id, d.c.parent_id, d.c.subject, d.c.sender, d.c.date, d.c.date_utc, d.c.language, d.c.status,
                  d.c.error, d.c.variant_of, d.c.pgp_status, d.c.details, t.series.c.name.label("series"))
        .select_from(d.outerjoin(t.series, d.c.series_id == t.series.c.id))
        .order_by(d.c.id)
    ).all()
    top = {r.id: r for r in rows if r.parent_id is None}
    children: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        if r.parent_id is not None:
            children[r.parent_id].append(r)
    out = {
        r.id: LetterRow(r.id, r.series, None, r.date, _aware(r.date_utc), r.subject, r.sender, r.language, r.status,
                        r.error, r.variant_of, r.pgp_status)
        for r in top.values()
    }
    _number(out)
    _attach_translations(conn, out)
    _attach_verdicts(conn, out)
    _attach_claims(conn, out)
    _warn(out, top, children)
    return sorted(out.values(), key=lambda x: (x.series or "", x.number or 0, x.id))


def _number(out: dict[int, LetterRow]) -> None:
    by_series: dict[str | None, list[LetterRow]] = defaultdict(list)
    for row in out.values():
        if row.variant_of is None:
            by_series[row.series].append(row)
    far = datetime.max.replace(tzinfo=UTC)
    for members in by_series.values():
        for i, row in enumerate(sorted(members, key=lambda x: (x.date_utc or far, x.id)), start=1):
            row.number = i
    for row in out.values():
        if row.variant_of is not None and row.variant_of in out:
            row.number = out[row.variant_of].number


def _only(query: sa.Select[Any], column: Any, ids: set[int] | None) -> sa.Select[Any]:
    return query if ids is None else query.where(column.in_(sorted(ids)))


def _attach_translations(conn: sa.Connection, out: dict[int, LetterRow], ids: set[int] | None = None) -> None:
    for dispatch_id, (translation_id, status) in translations.current_ids(conn, ids).items():
        if dispatch_id in out:  # *the* current translation (the record layer's one rule)
            out[dispatch_id].translation_id, out[dispatch_id].translation_status = translation_id, status


def _attach_verdicts(conn: sa.Connection, out: dict[int, LetterRow], ids: set[int] | None = None) -> None:
    v = t.authorship_verdict
    for r in conn.execute(_only(sa.select(v.c.dispatch_id, v.c.decision, v.c.probability), v.c.dispatch_id, ids)
                          .order_by(v.c.id)):
        if r.dispatch_id in out:
            out[r.dispatch_id].decision, out[r.dispatch_id].probability = r.decision, r.probability
    e = t.expert_review
    for r in conn.execute(_only(sa.select(e.c.dispatch_id, e.c.verdict, e.c.confidence), e.c.dispatch_id, ids)
                          .order_by(e.c.id)):
        if r.dispatch_id in out:
            out[r.dispatch_id].reviews.append((r.verdict, r.confidence))


def _attach_claims(conn: sa.Connection, out: dict[int, LetterRow], ids: set[int] | None = None) -> None:
    c = t.claim
    query = _only(sa.select(c.c.dispatch_id, c.c.status, sa.func.count()), c.c.dispatch_id, ids)
    for r in conn.execute(query.group_by(c.c.dispatch_id, c.c.status)):
        if r.dispatch_id in out:
            out[r.dispatch_id].claim_counts[r.status] = int(r[2])


def reread_letters(conn: sa.Connection, rows: dict[int, LetterRow], ids: set[int]) -> dict[int, LetterRow]:
    """Fresh copies of some letters' per-letter facts (translation, verdict, reviews, claims), the rest of each row
    (number, warnings) kept: what an edit of one letter can change, read for that letter only."""
    fresh = {i: replace(rows[i], translation_id=None, translation_status=None, decision=None, probability=None,
                        reviews=[], claim_counts={}, warnings=list(rows[i].warnings)) for i in ids if i in rows}
    if fresh:
        _attach_translations(conn, fresh, set(fresh))
        _attach_verdicts(conn, fresh, set(fresh))
        _attach_claims(conn, fresh, set(fresh))
    return fresh


def changes_since(conn: sa.Connection, mark: int, limit: int = 200) -> list[tuple[str, str, str]] | None:
    """(action, object, details) of the audit entries after `mark`, oldest first; None when there are more than
    `limit` (the caller then reads everything again)."""
    a = t.audit
    rows = conn.execute(sa.select(a.c.action, a.c.object, a.c.details).where(a.c.seq > mark)
                        .order_by(a.c.seq).limit(limit + 1)).all()
    return None if len(rows) > limit else [(r.action, r.object, r.details) for r in rows]


def _warn(out: dict[int, LetterRow], top: dict[int, Any], children: dict[int, list[Any]]) -> None:
    usual: dict[str | None, str] = {}
    senders: dict[str | None, Counter[str]] = defaultdict(Counter)
    for row in out.values():
        if row.sender:
            senders[row.series][_address(row.sender)] += 1
    for series_name, counts in senders.items():
        usual[series_name] = counts.most_common(1)[0][0]
    variants = {row.variant_of for row in out.values() if row.variant_of}
    for row in out.values():
        w = row.warnings
        if row.status == "error":
            w.append(f"could not be read completely: {row.error or 'see the letter page'}")
        if row.variant_of:
            copied = out.get(row.variant_of)
            w.append(f"variant: same Message-ID as {copied.label if copied else 'another dispatch'}, other bytes")
        if row.id in variants:
            w.append("another copy with the same Message-ID and different bytes exists")
        if row.sender and row.series in usual and _address(row.sender) != usual[row.series]:
            w.append(f"sender changed: {_address(row.sender)} instead of {usual[row.series]}")
        if row.pgp_status == "decrypted":
            w.append("was encrypted; decrypted with the case key")
        elif row.pgp_status and row.pgp_status not in ("none", "signed-good"):
            w.append(f"PGP: {row.pgp_status}")
        details = top[row.id].details or {}
        w.extend(str(x) for x in details.get("header_warnings", []))
        row.attachments = len(children.get(row.id, []))
        for child in children.get(row.id, []):
            for name in _metadata_names(child.details):
                w.append(f"attachment metadata names {name!r}")


# --------------------------------------------------------------------------- one letter


@dataclass
class LetterPage:
    """Everything the letter page shows about one dispatch; rows as plain dicts for templates and the API."""

    letter: LetterRow
    dispatch: dict[str, Any]
    original: dict[str, Any]
    headers: list[dict[str, Any]]
    custody: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    texts: list[dict[str, Any]]
    verdict: dict[str, Any] | None
    reviews: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    dates: list[dict[str, Any]]


def _dicts(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


def state_mark(conn: sa.Connection) -> int:
    """The newest audit entry's number: every change of state writes one, so it tells when cached reads are stale."""
    return int(conn.execute(_STATE_MARK).scalar() or 0)


_STATE_MARK = sa.select(sa.func.max(t.audit.c.seq))


class StateWatch:
    """`state_mark` for a long-running reader that asks on every request (the web desk): always read from the
    database, so an edit from the CLI or another worker is seen at once, but cheaply. On SQLite it keeps one
    connection of its own and runs the compiled query on it directly (no pool checkout, no statement building:
    a few microseconds instead of a tenth of a millisecond); other databases go through the pool."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._raw: Any = None
        self._sql = str(_STATE_MARK.compile(dialect=engine.dialect)) if engine.dialect.name == "sqlite" else None

    def mark(self) -> int:
        if self._sql is None:
            with self._engine.connect() as conn:
                return state_mark(conn)
        with self._lock:
            if self._raw is None:
                self._raw = self._engine.raw_connection()
            cursor = self._raw.cursor()
            try:
                row = cursor.execute(self._sql).fetchone()
            finally:
                cursor.close()
            self._raw.rollback()  # no read transaction is left open: the next read sees every commit
            return int(row[0] or 0)

    def close(self) -> None:
        with self._lock:
            if self._raw is not None:
                self._raw.close()
                self._raw = None


def letter_page(conn: sa.Connection, dispatch_id: int, all_letters: dict[int, LetterRow] | None = None) -> LetterPage:
    """One dispatch with its headers, custody, original, attachments, texts, verdict, reviews, claims and dates."""
    if all_letters is None:
        all_letters = {row.id: row for row in letters(conn)}
    d = conn.execute(sa.select(t.dispatch).where(t.dispatch.c.id == dispatch_id)).first()
    if d is None:
        raise DeskNotFound(str(no_such_dispatch(dispatch_id)))
    row = all_letters.get(dispatch_id) or LetterRow(d.id, None, None, d.date, _aware(d.date_utc), d.subject,
                                                     d.sender, d.language, d.status, d.error, d.variant_of,
                                                     d.pgp_status)
    original = conn.execute(sa.select(t.original).where(t.original.c.sha256 == d.original_sha256)).first()
    verdict = conn.execute(sa.select(t.authorship_verdict).where(t.authorship_verdict.c.dispatch_id == dispatch_id)
                           .order_by(t.authorship_verdict.c.id.desc()).limit(1)).first()
    claims = _dicts(conn.execute(sa.select(t.claim).where(t.claim.c.dispatch_id == dispatch_id)
                                 .order_by(t.claim.c.start_char)))
    history = defaultdict(list)
    for h in _dicts(conn.execute(sa.select(t.corroboration).where(t.corroboration.c.dispatch_id == dispatch_id)
                                 .order_by(t.corroboration.c.id))):
        history[h["claim_id"]].append(h)
    for c in claims:
        c["history"] = history.get(c["id"], [])
    return LetterPage(
        letter=row,
        dispatch=dict(d._mapping),
        original=dict(original._mapping) if original else {},
        headers=[{"dispatch_id": dispatch_id, "position": h.position, "name": h.name, "raw": h.raw,
                  "decoded": h.decoded} for h in dispatch_headers(conn, dispatch_id)],
        custody=_dicts(conn.execute(sa.select(t.custody).where(t.custody.c.dispatch_id == dispatch_id)
                                    .order_by(t.custody.c.id))),
        attachments=_dicts(conn.execute(
            sa.select(t.dispatch.c.id, t.dispatch.c.filename, t.dispatch.c.media_type, t.dispatch.c.status,
                      t.dispatch.c.details, t.dispatch.c.original_sha256, t.original.c.size)
            .select_from(t.dispatch.join(t.original, t.dispatch.c.original_sha256 == t.original.c.sha256))
            .where(t.dispatch.c.parent_id == dispatch_id).order_by(t.dispatch.c.id))),
        texts=_dicts(conn.execute(sa.select(t.text).where(t.text.c.dispatch_id == dispatch_id)
                                  .order_by(t.text.c.id))),
        verdict=dict(verdict._mapping) if verdict else None,
        reviews=_dicts(conn.execute(sa.select(t.expert_review).where(t.expert_review.c.dispatch_id == dispatch_id)
                                    .order_by(t.expert_review.c.id))),
        claims=claims,
        dates=_dicts(conn.execute(sa.select(t.timex).where(t.timex.c.dispatch_id == dispatch_id)
                                  .order_by(t.timex.c.start_char))),
    )


# --------------------------------------------------------------------------- audit, series, entities


@dataclass
class AuditView:
    entries: list[dict[str, Any]]
    total: int
    broken: list[dict[str, Any]]
    checked: int = 0  # entries this look verified (all of them, or those written since the last look)
    full: bool = True  # whether this look walked the whole chain


def audit_entries(conn: sa.Connection, actor: str | None = None, limit: int = 200, offset: int = 0,
                  check_chain: bool = True, chain: ChainWatch | None = None, full: bool = False) -> AuditView:
    """Newest audit entries first (optionally one person's), with the chain's state: walked in full, or with
    `chain` only from the last entry it verified (`full=True` walks it all again)."""
    a = t.audit
    query = sa.select(a).order_by(a.c.seq.desc()).limit(limit).offset(offset)
    count = sa.select(sa.func.count()).select_from(a)
    if actor:
        query, count = query.where(a.c.actor == actor), count.where(a.c.actor == actor)
    entries = _dicts(conn.execute(query))
    for e in entries:
        try:
            e["details"] = json.loads(e["details"])
        except ValueError:
            pass
    total = int(conn.execute(count).scalar_one())
    if not check_chain:
        return AuditView(entries, total, [], 0, False)
    state = (chain or ChainWatch()).check(conn, full=full)
    return AuditView(entries, total, [b.__dict__ for b in state.broken], state.checked, state.full)


def parents(conn: sa.Connection) -> dict[int, int]:
    """The top-level letter of every attachment (attachments of attachments included)."""
    parent = {int(r[0]): int(r[1]) for r in conn.execute(sa.select(t.dispatch.c.id, t.dispatch.c.parent_id)
                                                          .where(t.dispatch.c.parent_id.is_not(None)))}
    top = {}
    for child in parent:
        node, hops = child, 0
        while node in parent and hops < 100:
            node, hops = parent[node], hops + 1
        top[child] = node
    return top


def series_names(conn: sa.Connection) -> list[str]:
    return [r.name for r in conn.execute(sa.select(t.series.c.name).order_by(t.series.c.name))]


def verdicts_of_series(conn: sa.Connection, name: str) -> list[dict[str, Any]]:
    """The latest authorship verdict of each letter of a series."""
    s = series_records.by_name(conn, name)  # the one "No such series" message
    v = t.authorship_verdict
    latest: dict[int, dict[str, Any]] = {}
    for r in _dicts(conn.execute(sa.select(v).where(v.c.series_id == s.id).order_by(v.c.id))):
        latest[r["dispatch_id"]] = r
    return list(latest.values())


def entities(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every entity with its aliases and how many letters mention it."""
    rows = _dicts(conn.execute(sa.select(t.entity).order_by(t.entity.c.type, t.entity.c.name)))
    aliases: dict[int, list[str]] = defaultdict(list)
    for a in conn.execute(sa.select(t.alias.c.entity_id, t.alias.c.name).order_by(t.alias.c.id)):
        aliases[a.entity_id].append(a.name)
    letters_of: dict[int, set[int]] = defaultdict(set)
    for m in conn.execute(sa.select(t.mention.c.entity_id, t.mention.c.dispatch_id)):
        letters_of[m.entity_id].add(m.dispatch_id)
    for r in rows:
        r["aliases"] = aliases.get(r["id"], [])
        r["letters"] = sorted(letters_of.get(r["id"], set()))
    return rows
