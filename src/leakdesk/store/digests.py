"""The digest of a dispatch's derived rows, recorded in its (sealed) audit entry so `fsck` can re-derive them.

A dispatch's digest covers it and its children (attachments, inner messages): the fields read from the original
(subject, sender, recipients, date, Message-ID, file name, media type, status, PGP verdict, …), every header,
every extracted text,
every custody row, and the recorded hashes of each original. Fields later stages may legitimately change
(series, language, status notes) are left out. Whoever changes a covered row must call `record_dispatch_digest`
in the same transaction, so that only edits made outside leakdesk are flagged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

import sqlalchemy as sa

from leakdesk.store import header_block
from leakdesk.store import tables as t
from leakdesk.store.audit import append, canonical_utf8

DIGEST_KEY = "rows_digest"
DIGEST_OF = "digest_of"  # the top-level dispatch whose digest an entry about a child records
DISPATCH_FIELDS = (
    "id", "dedup_key", "parent_id", "original_sha256", "kind", "channel", "filename", "media_type", "reader",
    "message_id", "subject", "sender", "recipients", "date", "date_utc", "variant_of", "status", "error",
    "pgp_status", "pgp_details",
)  # fmt: skip
_DISPATCH_TIMES = tuple(i for i, f in enumerate(DISPATCH_FIELDS) if f == "date_utc")
VERSION = 2  # recorded with each digest; a digest of another version is not compared (fsck says so)
PARTS = ("dispatch", "headers", "texts", "custody", "originals")  # also the words fsck uses for what changed
_PART_WORDS = {
    "dispatch": "subject, sender, status or other fields",
    "headers": "headers",
    "texts": "texts",
    "custody": "custody records",
    "originals": "original hashes",
}


def _tree(conn: sa.Connection, dispatch_id: int) -> list[int]:
    ids, frontier = [dispatch_id], [dispatch_id]
    while frontier:
        frontier = list(
            conn.execute(
                sa.select(t.dispatch.c.id).where(t.dispatch.c.parent_id.in_(frontier)).order_by(t.dispatch.c.id)
            ).scalars()
        )
        ids += frontier
    return ids


def _hash(rows: list[Any]) -> str:
    return sha256(canonical_utf8(rows)).hexdigest()


_EMPTY = _hash([])  # the hash of a part with no rows


def _value(v: Any) -> Any:
    if isinstance(v, datetime):  # naive UTC on SQLite, aware on PostgreSQL: compare the UTC wall-clock value
        return (v if v.tzinfo is None else v.astimezone(UTC).replace(tzinfo=None)).isoformat()
    return v


def rows_digest(conn: sa.Connection, dispatch_id: int) -> dict[str, Any] | None:
    """One sha256 per part of the dispatch's rows (see PARTS); None when the dispatch does not exist."""
    exists = conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.id == dispatch_id)).first()
    if exists is None:
        return None
    return _digests(conn, {i: dispatch_id for i in _tree(conn, dispatch_id)})[dispatch_id]


def rows_digests(conn: sa.Connection, roots: list[int], batch: int = 2000) -> dict[int, dict[str, Any] | None]:
    """`rows_digest` of many top-level dispatches at once (for fsck): a few queries per `batch` dispatches."""
    children: dict[int | None, list[int]] = {}
    known: set[int] = set()
    for row in conn.execute(sa.select(t.dispatch.c.id, t.dispatch.c.parent_id)):
        children.setdefault(row.parent_id, []).append(row.id)
        known.add(row.id)
    out: dict[int, dict[str, Any] | None] = {r: None for r in roots if r not in known}
    pending: dict[int, int] = {}
    for root in (r for r in roots if r in known):
        stack = [root]
        while stack:
            node = stack.pop()
            pending[node] = root
            stack += children.get(node, [])
        if len(pending) >= batch:
            out.update(_digests(conn, pending))
            pending = {}
    if pending:
        out.update(_digests(conn, pending))
    return out


def tree_digests(conn: sa.Connection, trees: dict[int, list[int]],
                 written: dict[str, dict[int, list[list[Any]]]] | None = None) -> dict[int, dict[str, Any]]:
    """`rows_digest` of dispatches whose trees (every id, the root's included) the caller knows: the batch of
    letters ingest has just written, without walking the dispatch table.

    `written`: rows of the "headers" and/or "texts" parts the caller has just inserted for these new dispatches, by
    dispatch id, as the part's query returns them (text and integer columns only, so the database hands back the
    same values); those parts are then hashed from memory instead of read back."""
    root_of = {i: root for root, ids in trees.items() for i in ids}
    known: dict[int, dict[str, list[Any]]] = {}
    for part, by_dispatch in (written or {}).items():
        if part not in ("headers", "texts"):
            raise ValueError(f"the {part} part is always read back from the database")
        for root, ids in trees.items():
            known.setdefault(root, {})[part] = [row for i in sorted(ids) for row in by_dispatch.get(i, [])]
    return _digests(conn, root_of, known)


def stored_time(dialect: str, value: datetime) -> str:
    """A date-time as its digest reads it back from `dialect`: SQLite keeps the wall-clock value it is given (and
    drops the zone), PostgreSQL the instant (compared in UTC)."""
    if dialect == "sqlite":
        return value.replace(tzinfo=None).isoformat()
    return str(_value(value))


def digests_of_rows(trees: dict[int, list[int]], rows: dict[str, dict[int, Any]],
                    originals: dict[str, list[Any]]) -> dict[int, dict[str, Any]]:
    """`rows_digest` of new dispatches from the rows the caller has just written, with no query: the "dispatch",
    "texts" and "custody" parts by dispatch id, as their queries in `_digests` return them (date-times as
    `stored_time` gives them), the "headers" part as each dispatch's stored value (`header_block.encode`), and the
    recorded [sha256, sha1, md5, size] of every original they name.

    Equal to what `rows_digest` reads back (tests/store checks it on both databases): the rows of one dispatch come
    in the order of its query, and its custody rows in the order of their ids. A letter without parts (most of
    them) takes a shorter path to the same hashes: its one stored headers value is the headers part's text."""
    sha_at = DISPATCH_FIELDS.index("original_sha256")
    dispatch, headers, texts, custody = rows["dispatch"], rows["headers"], rows["texts"], rows["custody"]
    out: dict[int, dict[str, Any]] = {}
    for root, ids in trees.items():
        if len(ids) == 1:
            own = dispatch[root]
            stored = headers.get(root)
            sha = own[0][sha_at]
            out[root] = {
                "dispatch": _hash(own),
                "headers": _EMPTY if stored is None else sha256(stored.encode()).hexdigest(),
                "texts": _hash(texts[root]) if root in texts else _EMPTY,
                "custody": _hash(custody[root]) if root in custody else _EMPTY,
                "originals": _hash([originals[sha]]) if sha in originals else _EMPTY,
                "v": VERSION,
            }
            continue
        order = sorted(ids)
        parts = {part: [row for i in order for row in rows[part].get(i, [])] for part in ("dispatch", "texts")}
        custody_rows = [row for i in order for row in custody.get(i, [])]
        custody_rows.sort(key=lambda row: row[0])
        shas = sorted({row[sha_at] for row in parts["dispatch"]})
        out[root] = {
            "dispatch": _hash(parts["dispatch"]),
            "headers": header_block.part_hash(headers[i] for i in order if i in headers),
            "texts": _hash(parts["texts"]),
            "custody": _hash(custody_rows),
            "originals": _hash([originals[sha] for sha in shas if sha in originals]),
            "v": VERSION,
        }
    return out


def _digests(conn: sa.Connection, root_of: dict[int, int],
             known: dict[int, dict[str, list[Any]]] | None = None) -> dict[int, dict[str, Any]]:
    """The digest of each root, given every dispatch id of the batch mapped to its root (and the parts `known`)."""
    ids = list(root_of)
    d, h, x, c, o = t.dispatch, t.dispatch_headers, t.text, t.custody, t.original
    parts: dict[int, dict[str, list[Any]]] = {r: {p: [] for p in PARTS} for r in set(root_of.values())}
    # (part, position of the dispatch id in the row, positions of date-time columns, query)
    queries = (
        ("dispatch", 0, _DISPATCH_TIMES,
         sa.select(*(d.c[f] for f in DISPATCH_FIELDS)).where(d.c.id.in_(ids)).order_by(d.c.id)),
        ("headers", 0, (),  # one stored value per dispatch, hashed as one row per header (header_block)
         sa.select(h.c.dispatch_id, h.c.headers).where(h.c.dispatch_id.in_(ids)).order_by(h.c.dispatch_id)),
        ("texts", 0, (),
         sa.select(x.c.dispatch_id, x.c.role, x.c.content, x.c.charset, x.c.extractor, x.c.extractor_version)
         .where(x.c.dispatch_id.in_(ids)).order_by(x.c.dispatch_id, x.c.id)),
        ("custody", 3, (1,),
         sa.select(c.c.id, c.c.time, c.c.sha256, c.c.dispatch_id, c.c.event, c.c.channel, c.c.source, c.c.location,
                   c.c.actor)
         .where(c.c.dispatch_id.in_(ids)).order_by(c.c.id)),
    )  # fmt: skip
    shas: dict[int, set[str]] = {r: set() for r in parts}
    sha_at = DISPATCH_FIELDS.index("original_sha256")
    from_memory = {p for rows in (known or {}).values() for p in rows}
    for root, rows in (known or {}).items():
        parts[root].update(rows)
    for part, owner, times, query in queries:
        if part in from_memory:
            continue
        if part == "headers":
            for dispatch_id, stored in conn.execute(query):
                parts[root_of[dispatch_id]][part].extend(header_block.digest_rows(dispatch_id, stored))
            continue
        for row in conn.execute(query):
            values = list(row)
            for i in times:  # only date-times need converting; the rest is hashed as read
                values[i] = _value(values[i])
            root = root_of[values[owner]]
            parts[root][part].append(values)
            if part == "dispatch":
                shas[root].add(values[sha_at])
    wanted = sorted(set().union(*shas.values())) if shas else []
    recorded = {
        r.sha256: [r.sha256, r.sha1, r.md5, r.size]
        for r in conn.execute(sa.select(o.c.sha256, o.c.sha1, o.c.md5, o.c.size).where(o.c.sha256.in_(wanted)))
    }
    out: dict[int, dict[str, Any]] = {}
    for root, rows in parts.items():
        rows["originals"] = [recorded[sha] for sha in sorted(shas[root]) if sha in recorded]
        digest: dict[str, Any] = {p: _hash(rows[p]) for p in PARTS}
        digest["v"] = VERSION
        out[root] = digest
    return out


def changed_parts(recorded: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The words for what differs between a recorded digest and today's ("texts", "headers", …)."""
    return [_PART_WORDS[p] for p in PARTS if recorded.get(p) != now.get(p)]


def top_level(conn: sa.Connection, dispatch_id: int) -> int:
    """The top-level dispatch (the received item) a child belongs to; digests are kept per top-level dispatch."""
    while True:
        parent = conn.execute(sa.select(t.dispatch.c.parent_id).where(t.dispatch.c.id == dispatch_id)).scalar()
        if parent is None:
            return dispatch_id
        dispatch_id = parent


def record_dispatch_digest(
    conn: sa.Connection, actor: str, dispatch_id: int, action: str, details: dict[str, Any] | None = None
) -> int:
    """After leakdesk itself changed a dispatch's covered rows: audit the change with the new digest.

    `dispatch_id` may be a child (an attachment): the entry names it, and records the digest of its top-level
    dispatch (`digest_of`), which covers the child."""
    root = top_level(conn, dispatch_id)
    body = {**(details or {}), DIGEST_KEY: rows_digest(conn, root)}
    if root != dispatch_id:
        body[DIGEST_OF] = root
    return append(conn, actor, action, f"dispatch {dispatch_id}", body)
