"""Intake's writes and look-ups: letters written as trees (dispatch, headers, texts, custody, originals), in batches.

Ingest reads a group of letters, stores their bytes, then calls `write_letters` once per group commit: every row
of the batch goes in with one multi-row statement per table, and the digest of each new letter's rows (which its
audit entry records, see `store/digests.py`) is computed from the rows in hand. The look-ups ("is this letter
already in the case?", "does another copy share its Message-ID?") answer a whole group in one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from leakdesk.store import header_block
from leakdesk.store.bulk import insert_plain_rows, insert_tuples, rows_in
from leakdesk.store.digests import DISPATCH_FIELDS, digests_of_rows, rows_digest, stored_time, tree_digests
from leakdesk.store.originals import PACK_MEDIA_TYPE, Digests
from leakdesk.store.records.common import new_id, now
from leakdesk.store.tables import custody, dispatch, dispatch_headers, original, original_slice, text

_D = dispatch.c
# Statements built once: building SQLAlchemy expressions per letter costs more than running them.
_BY_KEY = sa.select(_D.id).where(_D.dedup_key == sa.bindparam("key"))
_VARIANT = (
    sa.select(_D.id)
    .where(_D.message_id == sa.bindparam("mid"), _D.parent_id.is_(None), _D.original_sha256 != sa.bindparam("sha"))
    .order_by(_D.id)
    .limit(1)
)
_IN_CHUNK = 500  # values per IN (...) list
# The look-ups of a batch: one IN list each, its values bound at execution (`expanding`), so SQLAlchemy neither
# builds nor coerces an expression per value (it did, for every sha256 and Message-ID of a batch).
_O = original.c
_KEYS_IN = sa.select(_D.dedup_key, _D.id).where(_D.dedup_key.in_(sa.bindparam("keys", expanding=True)))
_MIDS_IN = (sa.select(_D.id, _D.message_id, _D.original_sha256)
            .where(_D.message_id.in_(sa.bindparam("mids", expanding=True)), _D.parent_id.is_(None))
            .order_by(_D.id))
_ORIGINALS_IN = sa.select(_O.sha256, _O.sha1, _O.md5, _O.size).where(_O.sha256.in_(sa.bindparam("shas",
                                                                                               expanding=True)))
HEADER_COLUMNS = ("dispatch_id", "headers")
TEXT_COLUMNS = ("dispatch_id", "role", "language", "content", "charset", "charset_reason", "extractor",
                "extractor_version")
SLICE_COLUMNS = ("sha256", "container_sha256", "byte_offset")
ORIGINAL_COLUMNS = ("sha256", "sha1", "md5", "size", "media_type", "first_seen")
class NewText(NamedTuple):
    """A text extracted at intake."""

    role: str
    language: str | None
    content: str
    charset: str | None
    charset_reason: str | None
    extractor: str
    extractor_version: str


@dataclass(slots=True)  # one per dispatch of a batch: slots make it a quarter cheaper to build
class NewDispatch:
    """One dispatch read at intake (with its children), not yet written; `id` is set when it is."""

    digests: Digests
    kind: str
    reader: str
    filename: str | None = None
    media_type: str | None = None
    message_id: str | None = None
    subject: str | None = None
    sender: str | None = None
    recipients: str | None = None
    date: str | None = None
    date_utc: Any = None
    language: str | None = None
    status: str = "ok"
    error: str | None = None
    pgp_status: str | None = None
    pgp_details: dict[str, Any] | None = None
    details: dict[str, Any] | None = None
    headers: list[tuple[str, str, str | None]] = field(default_factory=list)  # name, raw, decoded
    texts: list[NewText] = field(default_factory=list)
    part: str = ""  # position inside its parent (children only)
    children: list[NewDispatch] = field(default_factory=list)
    id: int | None = None

    def walk(self) -> list[NewDispatch]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
class Arrival:
    """How a letter came in: written on its custody rows (and, for a top-level letter, on its dispatch row)."""

    channel: str
    source: str
    location: str | None
    actor: str
    series_id: int | None = None
    variant_of: int | None = None
    parent_id: int | None = None  # a part added later to a letter already in the case (`leakdesk decrypt`)


@dataclass(frozen=True)
class Receipt:
    """What a letter already in the case looks like when the same bytes arrive again."""

    status: str
    error: str | None
    variant_of: int | None
    series_id: int | None


# ---------------------------------------------------------------------- look-ups
def dispatch_with_key(conn: sa.Connection, dedup_key: str) -> int | None:
    """The dispatch written under this dedup key (a top-level letter: the sha256 of its bytes)."""
    found = conn.execute(_BY_KEY, {"key": dedup_key}).scalar()
    return None if found is None else int(found)


def dispatches_with_keys(conn: sa.Connection, dedup_keys: list[str]) -> dict[str, int]:
    """`dispatch_with_key` for many keys in one query per 500."""
    keys = sorted(set(dedup_keys))
    out: dict[str, int] = {}
    for i in range(0, len(keys), _IN_CHUNK):
        out.update((r.dedup_key, r.id) for r in rows_in(conn, _KEYS_IN, "keys", keys[i:i + _IN_CHUNK]))
    return out


def first_variant(conn: sa.Connection, message_id: str, sha256: str) -> int | None:
    """The first top-level letter with this Message-ID and other bytes."""
    found = conn.execute(_VARIANT, {"mid": message_id, "sha": sha256}).scalar()
    return None if found is None else int(found)


def letters_with_message_ids(conn: sa.Connection, message_ids: set[str]) -> dict[str, list[tuple[int, str]]]:
    """(id, sha256) of the top-level letters carrying each Message-ID, oldest first."""
    out: dict[str, list[tuple[int, str]]] = {}
    mids = sorted(message_ids)
    for i in range(0, len(mids), _IN_CHUNK):
        for r in rows_in(conn, _MIDS_IN, "mids", mids[i:i + _IN_CHUNK]):
            out.setdefault(r.message_id, []).append((r.id, r.original_sha256))
    return out


def original_of(conn: sa.Connection, dispatch_id: int) -> tuple[str, int] | None:
    """(sha256, size) of a dispatch's original."""
    r = conn.execute(sa.select(original.c.sha256, original.c.size)
                     .select_from(dispatch.join(original, original.c.sha256 == _D.original_sha256))
                     .where(_D.id == dispatch_id)).first()
    return None if r is None else (r.sha256, int(r.size))


def original_digests(conn: sa.Connection, sha256: str) -> Digests | None:
    """The recorded digests of one original."""
    r = conn.execute(sa.select(original.c.sha256, original.c.sha1, original.c.md5, original.c.size)
                     .where(original.c.sha256 == sha256)).first()
    return None if r is None else Digests(r.sha256, r.sha1, r.md5, r.size)


def receipt(conn: sa.Connection, dispatch_id: int) -> Receipt:
    r = conn.execute(sa.select(_D.status, _D.error, _D.variant_of, _D.series_id).where(_D.id == dispatch_id)).one()
    return Receipt(r.status, r.error, r.variant_of, r.series_id)


def bytes_seen(conn: sa.Connection, sha256: str) -> bool:
    """Whether these bytes have a custody row already (a container received before)."""
    return conn.execute(sa.select(custody.c.id).where(custody.c.sha256 == sha256).limit(1)).first() is not None


# ---------------------------------------------------------------------- writes
def ensure_originals(conn: sa.Connection, stored: list[tuple[Digests, str | None]]) -> dict[str, list[Any]]:
    """The `original` rows (digests, media type) that are not in the case yet, in one statement; and the
    `original_slice` row of each new one kept as a slice of its container (and the row of a pack made for this
    batch that one is kept in). Returns [sha256, sha1, md5, size] of
    every original named, as recorded (the rows already in the case as they are, the new ones as written)."""
    wanted: dict[str, tuple[Digests, str | None]] = {}
    for digests, media_type in stored:
        wanted.setdefault(digests.sha256, (digests, media_type))
        if digests.slice is not None and digests.slice.pack is not None:  # kept in a pack written for this batch
            wanted.setdefault(digests.slice.container, (digests.slice.pack, PACK_MEDIA_TYPE))
    recorded: dict[str, list[Any]] = {}
    shas = sorted(wanted)
    for i in range(0, len(shas), _IN_CHUNK):
        recorded.update((r.sha256, [r.sha256, r.sha1, r.md5, r.size])
                        for r in rows_in(conn, _ORIGINALS_IN, "shas", shas[i:i + _IN_CHUNK]))
    known = set(recorded)
    when = now()
    missing = [(sha, d.sha1, d.md5, d.size, (media_type or None) and media_type[:200], when)
               for sha, (d, media_type) in wanted.items() if sha not in known]
    insert_tuples(conn, original, ORIGINAL_COLUMNS, missing)
    slices = [(sha, d.slice.container, d.slice.offset) for sha, (d, _m) in wanted.items()
              if sha not in known and d.slice is not None]
    insert_plain_rows(conn, original_slice, SLICE_COLUMNS, slices)
    recorded.update((sha, [sha, d.sha1, d.md5, d.size]) for sha, (d, _m) in wanted.items() if sha not in known)
    return recorded


def add_custody(conn: sa.Connection, sha256: str, event: str, arrival: Arrival, dispatch_id: int | None,
                location: str | None = None) -> int:
    """One custody row for bytes that arrived (`location` instead of the arrival's own, when given)."""
    return new_id(conn.execute(custody.insert().values(
        time=now(), sha256=sha256, dispatch_id=dispatch_id, event=event, channel=arrival.channel,
        source=arrival.source, location=location if location is not None else arrival.location,
        actor=arrival.actor)))


def set_series_if_none(conn: sa.Connection, dispatch_id: int, series_id: int) -> None:
    conn.execute(dispatch.update().where(_D.id == dispatch_id, _D.series_id.is_(None)).values(series_id=series_id))


def letter_digest(conn: sa.Connection, dispatch_id: int) -> dict[str, Any] | None:
    """The digest of a letter's rows as stored now (for an audit entry about a letter already in the case)."""
    return rows_digest(conn, dispatch_id)


def write_letters(conn: sa.Connection, letters: list[tuple[NewDispatch, Arrival]]) -> dict[int, dict[str, Any]]:
    """Write letters with all their parts, in the caller's transaction; returns the digest of each new tree's rows
    by the id of its top dispatch (the value its audit entry records).

    A top-level letter is written under the dedup key of its bytes (its sha256); a part under
    "<parent id>/<part>". Dispatch rows go in level by level (ids come back in order), then headers, texts and
    custody rows in one statement each. Rows are built as tuples in the order of their columns (the dispatch's
    digested fields first, so its digest row is a slice of it). The digest is hashed from the rows as they were
    written, nothing is read back (`digests.digests_of_rows`)."""
    if not letters:
        return {}
    nodes = [tree.walk() for tree, _a in letters]
    recorded = ensure_originals(conn, [(n.digests, n.media_type) for tree in nodes for n in tree])
    when = now()
    level: list[tuple[NewDispatch, int | None, str, Arrival]] = [
        (tree, arrival.parent_id, tree.digests.sha256 if arrival.parent_id is None else
         f"{arrival.parent_id}/{tree.part}", arrival) for tree, arrival in letters]
    headers: list[tuple[Any, ...]] = []
    texts: list[tuple[Any, ...]] = []
    custody_rows: list[tuple[Any, ...]] = []
    dialect = conn.dialect.name
    # the rows of each part as the digest's queries read them back, by dispatch id (digests.digests_of_rows)
    dispatch_parts: dict[int, list[list[Any]]] = {}
    header_parts: dict[int, str] = {}  # the headers part: the stored values (header_block.part_hash)
    text_parts: dict[int, list[list[Any]]] = {}
    unsure = False
    while level:
        rows = [_dispatch_row(node, parent_id, key, arrival, when) for node, parent_id, key, arrival in level]
        ids = insert_tuples(conn, dispatch, DISPATCH_COLUMNS, rows, ids=True)
        following: list[tuple[NewDispatch, int | None, str, Arrival]] = []
        for (node, parent_id, _key, arrival), dispatch_id, written_row in zip(level, ids, rows, strict=True):
            node.id = dispatch_id
            digest_row = [dispatch_id, *written_row[:_DIGESTED]]
            stamp = digest_row[_DATE_UTC]
            if stamp is not None:
                offset = stamp.utcoffset() if isinstance(stamp, datetime) else None
                if offset is not None and not offset:
                    digest_row[_DATE_UTC] = stored_time(dialect, stamp)
                else:
                    unsure = True  # not stored as given for sure: the batch's dispatch part is read back
            dispatch_parts[dispatch_id] = [digest_row]
            if node.headers:
                stored = header_parts[dispatch_id] = header_block.encode(dispatch_id, node.headers)
                headers.append((dispatch_id, stored))
            if node.texts:
                mine = [(dispatch_id, tp.role, tp.language, tp.content.replace("\x00", ""), tp.charset,
                         tp.charset_reason, tp.extractor, tp.extractor_version) for tp in node.texts]
                texts.extend(mine)  # digest: dispatch, role, content, charset, extractor, version
                text_parts[dispatch_id] = [[row[0], row[1], row[3], row[4], row[6], row[7]] for row in mine]
            if parent_id is None:
                custody_rows.append((when, node.digests.sha256, dispatch_id, "received", arrival.channel,
                                     arrival.source, arrival.location or None, arrival.actor))
            else:
                where = " › ".join(x for x in (arrival.location, f"part {node.part}") if x)
                custody_rows.append((when, node.digests.sha256, dispatch_id, "extracted", arrival.channel,
                                     arrival.source, where or None, arrival.actor))
            if node.children:
                following.extend((child, dispatch_id, f"{dispatch_id}/{child.part}", arrival)
                                 for child in node.children)
        level = following
    insert_plain_rows(conn, dispatch_headers, HEADER_COLUMNS, headers)
    insert_plain_rows(conn, text, TEXT_COLUMNS, texts)
    custody_ids = insert_tuples(conn, custody, CUSTODY_COLUMNS, custody_rows, ids=True)
    custody_parts: dict[int, list[list[Any]]] = {}
    stamp_text = stored_time(dialect, when)
    for cid, c in zip(custody_ids, custody_rows, strict=True):  # as its query reads them
        custody_parts.setdefault(c[2], []).append([cid, stamp_text, *c[1:]])
    trees = {tree[0].id: [n.id for n in tree] for tree in nodes}
    if unsure:
        return tree_digests(conn, trees, {"texts": text_parts})  # type: ignore[arg-type]  # headers: read back
    written: dict[str, dict[int, Any]] = {
        "dispatch": dispatch_parts, "headers": header_parts, "texts": text_parts, "custody": custody_parts}
    return digests_of_rows(trees, written, recorded)  # type: ignore[arg-type]


# The dispatch columns ingest writes, in the order of the digest's fields (DISPATCH_FIELDS, but the id), then the
# ones the digest leaves out: a new row's digest row is [id, *row[:_DIGESTED]].
DISPATCH_COLUMNS = (*DISPATCH_FIELDS[1:], "series_id", "language", "details", "ingested")
CUSTODY_COLUMNS = ("time", "sha256", "dispatch_id", "event", "channel", "source", "location", "actor")
_DIGESTED = len(DISPATCH_FIELDS) - 1
_DATE_UTC = DISPATCH_FIELDS.index("date_utc")


def _dispatch_row(node: NewDispatch, parent_id: int | None, dedup_key: str, arrival: Arrival,
                  when: datetime) -> tuple[Any, ...]:
    """A new dispatch's row in the order of DISPATCH_COLUMNS."""
    top = parent_id is None  # the letter as received: only it belongs to a series or is a variant of another
    return (
        dedup_key, parent_id, node.digests.sha256, node.kind, arrival.channel, node.filename, node.media_type,
        node.reader, node.message_id, node.subject, node.sender, node.recipients, node.date, node.date_utc,
        arrival.variant_of if top else None, node.status, node.error, node.pgp_status, node.pgp_details,
        arrival.series_id if top else None, node.language, node.details or None, when,
    )


# ---------------------------------------------------------------------- decrypt later
@dataclass(frozen=True)
class Encrypted:
    """A letter as `leakdesk dispatch decrypt` needs it."""

    id: int
    original_sha256: str
    pgp_status: str | None
    filename: str | None
    channel: str
    details: dict[str, Any] | None
    language: str | None


def encrypted_letters(conn: sa.Connection, dispatch_ids: list[int] | None) -> list[Encrypted]:
    """The dispatches named (every one, whatever its PGP status), or else every letter not decrypted yet."""
    query = sa.select(_D.id, _D.original_sha256, _D.pgp_status, _D.filename, _D.channel, _D.details,
                      _D.language).order_by(_D.id)
    query = query.where(_D.id.in_(dispatch_ids)) if dispatch_ids else query.where(_D.pgp_status == "not-decrypted")
    return [Encrypted(r.id, r.original_sha256, r.pgp_status, r.filename, r.channel, r.details, r.language)
            for r in conn.execute(query)]


def part_keys(conn: sa.Connection, parent_id: int) -> set[str]:
    """The dedup keys of a dispatch's direct parts ("<parent id>/<part>")."""
    return set(conn.execute(sa.select(_D.dedup_key).where(_D.parent_id == parent_id)).scalars())


def add_texts(conn: sa.Connection, dispatch_id: int, texts: list[NewText]) -> None:
    if texts:
        conn.execute(text.insert(), [
            {"dispatch_id": dispatch_id, "role": tp.role, "language": tp.language,
             "content": tp.content.replace("\x00", ""), "charset": tp.charset, "charset_reason": tp.charset_reason,
             "extractor": tp.extractor, "extractor_version": tp.extractor_version} for tp in texts])


def update_decrypted(conn: sa.Connection, dispatch_id: int, values: dict[str, Any]) -> None:
    """The fields a late decryption changes (PGP verdict, status, details, protected headers)."""
    allowed = {"pgp_status", "pgp_details", "details", "status", "error", "language", "subject", "sender",
               "recipients", "date", "date_utc"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"decryption does not change {', '.join(sorted(unknown))}")
    conn.execute(dispatch.update().where(_D.id == dispatch_id).values(**values))
