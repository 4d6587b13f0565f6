"""Dispatches: the overview list, one dispatch with its headers, custody and texts, its tree, the original text.

*The* original text of a dispatch is its first non-empty text in the preference order `ORIGINAL_ROLES`:
the decrypted body, else the plain body, else the body extracted from HTML, else the text of an attached file.
Every capability asks `original_text` instead of choosing on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import IntegrityError
from leakdesk.store import header_block
from leakdesk.store.records.common import new_id, no_such_dispatch, utc
from leakdesk.store.tables import custody, dispatch, dispatch_headers, series, text, translation

ORIGINAL_ROLES = ("decrypted", "body", "html-body", "attachment")
PGP_PROBLEMS = {
    "not-decrypted": "encrypted and not decrypted",
    "signed-bad": "its PGP signature does not verify",
    # intake.pgp_coverage: a good signature on part of a message says nothing about the rest
    "partly-signed": "only part of it is PGP-signed; the other parts could have been added by anyone",
    "signed-revoked-key": "its PGP signature is by a revoked key",
    "signed-expired-key": "its PGP signature is by an expired key",
    "signed-expired-signature": "its PGP signature has expired",
    "signed-unknown-key": "its PGP signature is by a key the case does not have (not checked)",
    "signed-error": "its PGP signature could not be checked",
}


@dataclass(frozen=True)
class Text:
    id: int
    dispatch_id: int
    role: str  # body, html-body, attachment, decrypted
    language: str | None
    content: str
    charset: str | None
    charset_reason: str | None
    extractor: str
    extractor_version: str


@dataclass(frozen=True)
class Header:
    position: int
    name: str
    raw: str
    decoded: str | None


@dataclass(frozen=True)
class CustodyEvent:
    id: int
    time: datetime
    sha256: str
    event: str  # received, re-received, extracted, container
    channel: str
    source: str
    location: str | None
    actor: str


@dataclass(frozen=True)
class Dispatch:
    """One received item (email, file, attachment) as stored at intake."""

    id: int
    parent_id: int | None
    series_id: int | None
    series: str | None
    kind: str
    channel: str
    filename: str | None
    media_type: str | None
    original_sha256: str
    message_id: str | None
    subject: str | None
    sender: str | None
    recipients: str | None
    date: str | None  # as written, with its zone
    date_utc: datetime | None
    language: str | None
    status: str  # ok | error
    error: str | None
    variant_of: int | None
    pgp_status: str | None
    details: dict[str, Any]
    ingested: datetime
    reader: str | None = None  # the intake reader that read it (eml, pypdf, image, ...)
    pgp_details: dict[str, Any] | None = None  # signatures and what they cover (intake.pgp); None if none

    @property
    def label(self) -> str:
        """How a journalist recognises the letter: dispatch 3 (“Subject”)."""
        name = self.subject or self.filename
        return f"dispatch {self.id}" + (f" (“{name}”)" if name else "")

    @property
    def warnings(self) -> list[str]:
        """What a reader of this dispatch should know before trusting it."""
        out: list[str] = []
        if self.status != "ok":
            out.append(f"not read completely: {self.error}" if self.error else "not read completely")
        if self.variant_of is not None:
            out.append(f"same Message-ID as dispatch {self.variant_of} but different bytes")
        if self.pgp_status in PGP_PROBLEMS:
            out.append(PGP_PROBLEMS[self.pgp_status])
        out += [str(w) for w in self.details.get("header_warnings", [])]
        return out


@dataclass(frozen=True)
class DispatchSummary:
    """One line of the case overview."""

    dispatch: Dispatch
    number_in_series: int | None  # 1-based, top-level letters in date order; None outside a series
    attachments: int
    translation_status: str  # none | draft | in review | final (of the current translation)
    warnings: list[str]


@dataclass(frozen=True)
class DispatchTree:
    """A dispatch with its texts and its attachments (each with their own texts), depth-first."""

    dispatch: Dispatch
    texts: list[Text]
    children: list[DispatchTree] = field(default_factory=list)

    @property
    def original(self) -> Text | None:
        return choose_original(self.texts)

    def walk(self) -> list[DispatchTree]:
        out = [self]
        for child in self.children:
            out += child.walk()
        return out


_DISPATCH = sa.select(dispatch, series.c.name.label("series_name")).select_from(
    dispatch.outerjoin(series, dispatch.c.series_id == series.c.id)
)


def _dispatch(r: Any) -> Dispatch:
    return Dispatch(
        id=r.id, parent_id=r.parent_id, series_id=r.series_id, series=r.series_name, kind=r.kind, channel=r.channel,
        filename=r.filename, media_type=r.media_type, original_sha256=r.original_sha256, message_id=r.message_id,
        subject=r.subject, sender=r.sender, recipients=r.recipients, date=r.date, date_utc=utc(r.date_utc),
        language=r.language, status=r.status, error=r.error, variant_of=r.variant_of, pgp_status=r.pgp_status,
        details=r.details or {}, ingested=utc(r.ingested) or r.ingested, reader=r.reader,
        pgp_details=r.pgp_details if isinstance(r.pgp_details, dict) else None,
    )


def _text(r: Any) -> Text:
    return Text(r.id, r.dispatch_id, r.role, r.language, r.content or "", r.charset, r.charset_reason, r.extractor,
                r.extractor_version)


def choose_original(texts: list[Text]) -> Text | None:
    """The original text among a dispatch's texts (see `ORIGINAL_ROLES`); None when none has content."""
    usable = [t for t in texts if t.role in ORIGINAL_ROLES and t.content.strip()]
    usable.sort(key=lambda t: (ORIGINAL_ROLES.index(t.role), t.id))
    return usable[0] if usable else None


def get(conn: sa.Connection, dispatch_id: int) -> Dispatch:
    """One dispatch; `NoSuchRecord` ("No such dispatch 33 in this case.") when it is not in the case."""
    row = conn.execute(_DISPATCH.where(dispatch.c.id == dispatch_id)).first()
    if row is None:
        raise no_such_dispatch(dispatch_id)
    return _dispatch(row)


def find(conn: sa.Connection, dispatch_ids: list[int] | None = None, *, top_level: bool = False,
         series_id: int | None = None) -> list[Dispatch]:
    """Dispatches in id order: all, the ones named, top-level letters only, or one series' letters."""
    q = _DISPATCH.order_by(dispatch.c.id)
    if dispatch_ids is not None:
        q = q.where(dispatch.c.id.in_(dispatch_ids))
    if top_level:
        q = q.where(dispatch.c.parent_id.is_(None))
    if series_id is not None:
        q = q.where(dispatch.c.series_id == series_id)
    return [_dispatch(r) for r in conn.execute(q)]


def in_series(series_id: int) -> sa.Select[tuple[int]]:
    """The ids of a series' letters and of everything inside them (attachments, their members: ingest gives the
    series to the top-level letter only), as a subquery for `IN`."""
    letters = sa.select(dispatch.c.id).where(dispatch.c.series_id == series_id).cte("in_series", recursive=True)
    inner = dispatch.alias("inner_part")
    tree = letters.union(sa.select(inner.c.id).where(inner.c.parent_id == letters.c.id))
    return sa.select(tree.c.id)


def ids(conn: sa.Connection) -> list[int]:
    """Every dispatch id, in order (the unit the pipeline partitions)."""
    return [int(i) for i in conn.execute(sa.select(dispatch.c.id).order_by(dispatch.c.id)).scalars()]


def ids_with_text(conn: sa.Connection) -> list[int]:
    """The dispatches that have at least one extracted text, in id order (without reading the texts)."""
    return [int(i) for i in conn.execute(sa.select(text.c.dispatch_id).distinct().order_by(text.c.dispatch_id))
            .scalars()]


def texts(conn: sa.Connection, dispatch_id: int) -> list[Text]:
    """The texts extracted from one dispatch, in the order they were stored."""
    rows = conn.execute(sa.select(text).where(text.c.dispatch_id == dispatch_id).order_by(text.c.id))
    return [_text(r) for r in rows]


def texts_of(conn: sa.Connection, dispatch_ids: list[int] | None) -> dict[int, list[Text]]:
    """The texts of many dispatches at once (None: of every dispatch), by dispatch id."""
    out: dict[int, list[Text]] = {i: [] for i in dispatch_ids or []}
    q = sa.select(text).order_by(text.c.id)
    if dispatch_ids is not None:
        q = q.where(text.c.dispatch_id.in_(dispatch_ids))
    for r in conn.execute(q):
        out.setdefault(r.dispatch_id, []).append(_text(r))
    return out


def original_text(conn: sa.Connection, dispatch_id: int) -> Text | None:
    """*The* original text of a dispatch (one preference order, `ORIGINAL_ROLES`); None if it has none."""
    return choose_original(texts(conn, dispatch_id))


def text_by_id(conn: sa.Connection, text_id: int) -> Text | None:
    row = conn.execute(sa.select(text).where(text.c.id == text_id)).first()
    return _text(row) if row is not None else None


def headers(conn: sa.Connection, dispatch_id: int) -> list[Header]:
    """A dispatch's headers in the order of its original (none for a part without headers)."""
    stored = conn.execute(sa.select(dispatch_headers.c.headers)
                          .where(dispatch_headers.c.dispatch_id == dispatch_id)).scalar()
    if stored is None:
        return []
    items = header_block.decode(dispatch_id, stored)
    if items is None:
        raise IntegrityError(f"The headers of dispatch {dispatch_id} in the database are not in the form leakdesk "
                             "writes: they were changed outside leakdesk. Run `leakdesk case fsck CASE` and restore "
                             "the case from a backup.")
    return [Header(*item) for item in sorted(items, key=lambda item: item[0])]


def custody_of(conn: sa.Connection, dispatch_id: int) -> list[CustodyEvent]:
    """Every custody event of a dispatch and of its bytes (re-received copies too), oldest first."""
    sha = sa.select(dispatch.c.original_sha256).where(dispatch.c.id == dispatch_id).scalar_subquery()
    rows = conn.execute(
        sa.select(custody).where(sa.or_(custody.c.dispatch_id == dispatch_id, custody.c.sha256 == sha))
        .order_by(custody.c.time, custody.c.id)
    )
    return [CustodyEvent(r.id, utc(r.time) or r.time, r.sha256, r.event, r.channel, r.source, r.location, r.actor)
            for r in rows]


def tree(conn: sa.Connection, dispatch_id: int) -> DispatchTree:
    """A dispatch with its texts and every attachment below it (any depth)."""
    root = get(conn, dispatch_id)
    members = [root]
    frontier = [root.id]
    while frontier:
        found = [_dispatch(r) for r in conn.execute(_DISPATCH.where(dispatch.c.parent_id.in_(frontier))
                                                    .order_by(dispatch.c.id))]
        members += found
        frontier = [d.id for d in found]
    all_texts = texts_of(conn, [d.id for d in members])
    nodes = {d.id: DispatchTree(d, all_texts[d.id], []) for d in members}
    for d in members[1:]:
        if d.parent_id is not None:
            nodes[d.parent_id].children.append(nodes[d.id])
    return nodes[root.id]


TRANSLATION_RANK = {"final": 3, "in review": 2, "draft": 1}


def overview(conn: sa.Connection, series_id: int | None = None, top_level: bool = True) -> list[DispatchSummary]:
    """The case overview: each letter (or every dispatch) with its number in the series, attachments,
    translation state and warnings, in id order."""
    found = find(conn, top_level=top_level, series_id=series_id)
    numbers = numbers_in_series(conn)
    children: dict[int, int] = dict(
        conn.execute(sa.select(dispatch.c.parent_id, sa.func.count()).where(dispatch.c.parent_id.is_not(None))
                     .group_by(dispatch.c.parent_id)).all()
    )
    states: dict[int, str] = {}
    for r in conn.execute(sa.select(translation.c.dispatch_id, translation.c.status)):
        if TRANSLATION_RANK.get(r.status, 0) > TRANSLATION_RANK.get(states.get(r.dispatch_id, ""), 0):
            states[r.dispatch_id] = r.status
    return [DispatchSummary(d, numbers.get(d.id), children.get(d.id, 0), states.get(d.id, "none"), d.warnings)
            for d in found]


def numbers_in_series(conn: sa.Connection) -> dict[int, int]:
    """Each top-level letter's number in its series: 1 for the earliest date (undated last, then by id)."""
    rows = conn.execute(
        sa.select(dispatch.c.id, dispatch.c.series_id, dispatch.c.date_utc)
        .where(dispatch.c.series_id.is_not(None), dispatch.c.parent_id.is_(None))
    ).all()
    out: dict[int, int] = {}
    by_series: dict[int, list[Any]] = {}
    for r in rows:
        by_series.setdefault(r.series_id, []).append(r)
    for letters in by_series.values():
        letters.sort(key=lambda r: (utc(r.date_utc) is None, utc(r.date_utc) or datetime.min.replace(tzinfo=UTC), r.id))
        for n, r in enumerate(letters, 1):
            out[r.id] = n
    return out


def set_text_language(conn: sa.Connection, text_id: int, language: str) -> None:
    """Record the language found for a text, and for its dispatch when the dispatch has none yet."""
    conn.execute(text.update().where(text.c.id == text_id).values(language=language))
    owner = sa.select(text.c.dispatch_id).where(text.c.id == text_id).scalar_subquery()
    conn.execute(dispatch.update().where(dispatch.c.id == owner, dispatch.c.language.is_(None))
                 .values(language=language))


def text_digests(conn: sa.Connection, dispatch_ids: list[int] | None = None) -> dict[int, list[tuple[int, str, str]]]:
    """(text id, role, sha256 of content) of every text, by dispatch: what a stage's input hash is built from."""
    import hashlib

    q = sa.select(text.c.id, text.c.dispatch_id, text.c.role, text.c.content).order_by(text.c.id)
    if dispatch_ids is not None:
        q = q.where(text.c.dispatch_id.in_(dispatch_ids))
    out: dict[int, list[tuple[int, str, str]]] = {}
    for r in conn.execute(q):
        out.setdefault(r.dispatch_id, []).append(
            (r.id, r.role, hashlib.sha256((r.content or "").encode("utf-8")).hexdigest()))
    return out


def in_variant_pair(conn: sa.Connection, dispatch_id: int) -> bool:
    """True when the dispatch is one of two different copies sharing a Message-ID (a variant, or copied by one)."""
    row = get(conn, dispatch_id)
    return row.variant_of is not None or conn.execute(
        sa.select(dispatch.c.id).where(dispatch.c.variant_of == dispatch_id).limit(1)).first() is not None


def add_text(conn: sa.Connection, dispatch_id: int, role: str, content: str, extractor: str, extractor_version: str,
             language: str | None = None, charset: str | None = None, charset_reason: str | None = None) -> int:
    """Store one more text of a dispatch (e.g. read by OCR later); earlier texts are kept. Returns its id."""
    return new_id(conn.execute(text.insert().values(
        dispatch_id=dispatch_id, role=role, language=language, content=content, charset=charset,
        charset_reason=charset_reason, extractor=extractor, extractor_version=extractor_version)))


def set_details(conn: sa.Connection, dispatch_id: int, details: dict[str, Any]) -> None:
    """Replace a dispatch's reader details (the caller re-records its digest and audits the change)."""
    conn.execute(dispatch.update().where(dispatch.c.id == dispatch_id).values(details=details))
