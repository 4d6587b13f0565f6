"""Append-only, hash-chained, keyed audit log.

Each row's hash covers the row and the hash of the row before; each row is also sealed (HMAC under the desk key,
which is not in the case), so recomputing the chain after an edit no longer passes `fsck`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import json.encoder as json_encoder
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from leakdesk.store.bulk import insert_plain_rows
from leakdesk.store.keys import DeskKey, desk_key
from leakdesk.store.tables import audit, audit_seal

GENESIS = "0" * 64
# Built once: an audit entry is written for every change of state, so statement construction matters.
_LAST_ENTRY = sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
_INSERT = audit.insert()
_SEAL = audit_seal.insert()
_AUDIT_COLUMNS = ("seq", "time", "actor", "action", "object", "details", "prev_hash", "hash")
_SEAL_COLUMNS = ("seq", "key_id", "mac")


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
# The C encoder `_CANONICAL.encode` builds on every call, built once (arguments as json.encoder passes them, without
# the check for circular structures, which hashed values never are): a quarter less per call.
_MAKE_ENCODER = getattr(json_encoder, "c_make_encoder", None)  # private to json: absent, the stdlib path is used
_ENCODE_STRING = getattr(json_encoder, "c_encode_basestring", None)
_C_ENCODER = (_MAKE_ENCODER(None, str, _ENCODE_STRING, None, ":", ",", True, False, True)
              if _MAKE_ENCODER is not None and _ENCODE_STRING is not None else None)
_ROW_TYPES = frozenset({int, str})
_PLAIN_DEPTH = 64  # deeper values take json's path (orjson stops at 254 levels; a circular value never ends)


def _plain(value: Any) -> bool:
    """True when `value` holds only str, int, bool, None, lists, tuples and dicts with str keys (exact types, at
    most _PLAIN_DEPTH deep): values orjson writes byte for byte as the canonical json.dumps does (checked for every
    code point and by tests/store/test_canonical.py). Floats (orjson writes 1e16, json 1e+16), subclasses (enums),
    date-times and everything `default=str` turns into text are left to json."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is list or kind is tuple:
            values = item
        elif kind is dict:
            for key in item:
                if type(key) is not str:
                    return False
            values = item.values()
        elif kind is str or kind is int or kind is bool or item is None:
            continue
        else:
            return False
        if depth >= _PLAIN_DEPTH:
            return False
        for v in values:
            kind = type(v)
            if kind is str or kind is int or v is None or kind is bool:
                continue
            stack.append((v, depth + 1))
    return True


def _orjson_canonical(details: Any) -> bytes | None:
    """The canonical JSON as UTF-8 written by orjson (one pass, in Rust, a tenth of json's time for a letter's
    text), or None where only json gives the canonical form."""
    if _plain(details):
        try:
            return orjson.dumps(details, option=orjson.OPT_SORT_KEYS)
        except (TypeError, ValueError):  # ints beyond 64 bits, lone surrogates: json says what it says about them
            pass
    return None


def canonical_utf8(details: Any) -> bytes:
    """`canonical(details)` encoded as UTF-8, the bytes that are hashed."""
    fast = _orjson_canonical(details)
    return fast if fast is not None else _json_canonical(details).encode("utf-8")


def canonical(details: Any) -> str:
    """The one JSON form that is hashed: json.dumps(details, ensure_ascii=False, sort_keys=True,
    separators=(",", ":"), default=str)."""
    fast = _orjson_canonical(details)
    return fast.decode("utf-8") if fast is not None else _json_canonical(details)


def _json_canonical(details: Any) -> str:
    if _C_ENCODER is None:
        return _CANONICAL.encode(details)
    return "".join(_C_ENCODER(details, 0))


def row_hash(seq: int, time: str, actor: str, action: str, obj: str, details: str, prev_hash: str) -> str:
    row = [seq, time, actor, action, obj, details, prev_hash]
    if set(map(type, row)) <= _ROW_TYPES:  # `_plain` without the walk, for the one shape a row has
        try:
            return hashlib.sha256(orjson.dumps(row)).hexdigest()
        except (TypeError, ValueError):
            pass
    return hashlib.sha256(canonical_utf8(row)).hexdigest()


def append(
    conn: sa.Connection, actor: str, action: str, obj: str, details: Any = None, key: DeskKey | None = None
) -> int:
    """Add one sealed entry inside the caller's transaction; returns its seq. `key`: default the desk key.

    On PostgreSQL a transaction-level advisory lock serialises writers; SQLite's write lock does the same.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7243001)"))
    last = conn.execute(_LAST_ENTRY).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    time = datetime.now(UTC).isoformat(timespec="microseconds")
    body = canonical(details if details is not None else {})
    digest = row_hash(seq, time, actor, action, obj, body, prev)
    conn.execute(
        _INSERT,
        {"seq": seq, "time": time, "actor": actor, "action": action, "object": obj, "details": body,
         "prev_hash": prev, "hash": digest},
    )
    key = key or desk_key()
    assert key is not None
    conn.execute(_SEAL, {"seq": seq, "key_id": key.key_id, "mac": key.seal(digest)})
    return seq


def append_many(
    conn: sa.Connection, actor: str, entries: list[tuple[str, str, Any]], key: DeskKey | None = None
) -> list[int]:
    """Add several sealed entries (action, object, details) in one go, chained in order, inside the caller's
    transaction: the same rows `append` would write one by one, in two statements (a batch of ingested letters)."""
    if not entries:
        return []
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7243001)"))
    last = conn.execute(_LAST_ENTRY).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    key = key or desk_key()
    assert key is not None
    rows: list[tuple[Any, ...]] = []
    seals: list[tuple[Any, ...]] = []
    first = seq
    time = datetime.now(UTC).isoformat(timespec="microseconds")  # one statement writes them: one time for all
    for action, obj, details in entries:
        body = canonical(details if details is not None else {})
        digest = row_hash(seq, time, actor, action, obj, body, prev)
        rows.append((seq, time, actor, action, obj, body, prev, digest))
        seals.append((seq, key.key_id, key.seal(digest)))
        seq, prev = seq + 1, digest
    insert_plain_rows(conn, audit, _AUDIT_COLUMNS, rows)  # every column is text or an integer
    insert_plain_rows(conn, audit_seal, _SEAL_COLUMNS, seals)
    return list(range(first, seq))


@dataclass(frozen=True)
class BrokenRow:
    seq: int
    problem: str


@dataclass
class ChainReport:
    """What walking the whole audit log found."""

    entries: int = 0
    head: dict[str, Any] | None = None  # seq, hash, time, action of the last entry
    first_action: str | None = None
    broken: list[BrokenRow] = field(default_factory=list)
    unsealed_legacy: int = 0  # entries written before this case was sealed (older leakdesk)
    foreign_seals: dict[str, int] = field(default_factory=dict)  # key id -> entries sealed by another desk
    # dispatch id -> (seq of the entry, the rows digest it recorded): the latest recording wins
    rows_digests: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)


_ROWS = (
    sa.select(audit, audit_seal.c.key_id, audit_seal.c.mac)
    .select_from(audit.outerjoin(audit_seal, audit_seal.c.seq == audit.c.seq))
    .order_by(audit.c.seq)
)


def verify_chain(conn: sa.Connection, key: DeskKey | None, sealed_from: int | None = None) -> ChainReport:
    """Walk the log: sequence, links, hashes, seals (checked with `key`), and the dispatch digests it records.

    `sealed_from`: the first entry this desk knows it sealed (from its anchor outside the case); every entry from
    there on must carry a seal, as must every entry after the first sealed one.
    """
    report = ChainReport()
    _walk(conn, report, key, sealed_from, _Position())
    _check_tail(conn, report)
    return report


@dataclass
class _Position:
    """Where a walk of the log stands: the last entry checked (its seq and hash) and the first sealed one."""

    seq: int = 0
    hash: str = GENESIS
    first_sealed: int | None = None


def _walk(conn: sa.Connection, report: ChainReport, key: DeskKey | None, sealed_from: int | None,
          at: _Position) -> None:
    """Check every entry after `at` (moving `at` to the last one), adding what is wrong to `report`."""
    rows = conn.execute(_ROWS.where(audit.c.seq > at.seq)) if at.seq else conn.execute(_ROWS)
    for r in rows:
        report.entries += 1
        if report.first_action is None:
            report.first_action = r.action
        if r.seq != at.seq + 1:
            report.broken.append(BrokenRow(r.seq, f"entries {at.seq + 1}..{r.seq - 1} are missing"))
        if r.prev_hash != at.hash:
            report.broken.append(BrokenRow(r.seq, "does not link to the entry before it"))
        elif row_hash(r.seq, r.time, r.actor, r.action, r.object, r.details, r.prev_hash) != r.hash:
            report.broken.append(BrokenRow(r.seq, "its content was changed after it was written"))
        if r.mac is None:
            must = at.first_sealed is not None or (sealed_from is not None and r.seq >= sealed_from)
            if must:
                report.broken.append(BrokenRow(r.seq, "has no seal: it was written around leakdesk, or its seal "
                                                      "was removed"))
            else:
                report.unsealed_legacy += 1
        else:
            at.first_sealed = at.first_sealed or r.seq
            if key is not None and r.key_id == key.key_id:
                if not hmac.compare_digest(r.mac, key.seal(r.hash)):
                    report.broken.append(BrokenRow(r.seq, "its seal does not match: the entry was rewritten "
                                                          "without the desk key"))
            else:
                report.foreign_seals[r.key_id] = report.foreign_seals.get(r.key_id, 0) + 1
        if '"rows_digest"' in r.details and r.object.startswith("dispatch "):
            _note_digest(report, r.seq, r.object, r.details)
        at.seq, at.hash = r.seq, r.hash
        report.head = {"seq": r.seq, "hash": r.hash, "time": r.time, "action": r.action}


def _check_tail(conn: sa.Connection, report: ChainReport) -> None:
    last_seal = conn.execute(sa.select(sa.func.max(audit_seal.c.seq))).scalar()
    head_seq = report.head["seq"] if report.head else 0
    if last_seal is not None and last_seal > head_seq:
        report.broken.append(BrokenRow(head_seq + 1, f"entries {head_seq + 1}..{last_seal} are gone but their "
                                                     "seals remain: entries were deleted from the end"))


@dataclass(frozen=True)
class ChainState:
    """The audit chain's state as the desk shows it: what is broken, how many entries are checked, and whether
    this look walked the whole log or only the entries written since the last look."""

    broken: list[BrokenRow]
    entries: int
    checked: int  # entries walked by this look
    full: bool


class ChainWatch:
    """Verifies the log incrementally for a long-running reader (the web desk's audit page): it remembers the
    last verified entry (seq and hash) and then checks only the entries after it, each linked to the one before.

    An entry older than the remembered head that is edited later is NOT seen by an incremental look: `fsck`, and
    `check(full=True)` (the audit page's "check the whole chain"), walk the whole log every time. A remembered head
    that is gone or changed (entries deleted from the end, the head rewritten) makes the next look a full one.
    Safe to share between threads.
    """

    def __init__(self, key: DeskKey | None = None, use_desk_key: bool = True) -> None:
        self._key, self._use_desk_key = key, use_desk_key
        self._lock = threading.Lock()
        self._at: _Position | None = None
        self._broken: list[BrokenRow] = []
        self._entries = 0

    def check(self, conn: sa.Connection, full: bool = False) -> ChainState:
        key = self._key or (desk_key(create=False) if self._use_desk_key else None)
        with self._lock:
            if full or self._at is None or not self._head_unchanged(conn, self._at):
                self._at, self._broken, self._entries = _Position(), [], 0
                full = True
            report = ChainReport()
            _walk(conn, report, key, None, self._at)
            self._broken += report.broken
            self._entries += report.entries
            tail = ChainReport(head={"seq": self._at.seq})
            _check_tail(conn, tail)
            return ChainState(self._broken + tail.broken, self._entries, report.entries, full)

    @staticmethod
    def _head_unchanged(conn: sa.Connection, at: _Position) -> bool:
        if at.seq == 0:
            return True
        found = conn.execute(sa.select(audit.c.hash).where(audit.c.seq == at.seq)).scalar()
        return found == at.hash


def _note_digest(report: ChainReport, seq: int, obj: str, details: str) -> None:
    try:
        data = json.loads(details)
        digest = data["rows_digest"]
        dispatch_id = int(data.get("digest_of") or obj.split()[1])
    except (ValueError, IndexError, KeyError, TypeError, AttributeError):
        return
    if isinstance(digest, dict):
        report.rows_digests[dispatch_id] = (seq, digest)


def verify(conn: sa.Connection) -> list[BrokenRow]:
    """Every audit entry whose hash, link or seal does not hold (seals checked with this desk's key)."""
    return verify_chain(conn, desk_key(create=False)).broken
