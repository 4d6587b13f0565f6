"""A dispatch's headers kept as one stored value (`dispatch_headers.headers`) instead of a row per header.

The value is the canonical JSON (`audit.canonical`) of [[dispatch id, position, name, raw, decoded], ...] in the
order the headers appear: exactly the rows the header table held and the digest of a dispatch's rows hashes, so
digests recorded before the change still compare, and ingest hashes the value it has just written as the headers
part of a new letter's digest without encoding the headers a second time. Ingest writes ten headers for most
letters: one row per letter instead of one per header takes nine of every ten inserts (and their index entries)
off a batch. Readers go through `records.dispatches.headers`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from leakdesk.store.audit import canonical

HeaderItem = tuple[int, str, str, str | None]  # position, name, raw, decoded


def encode(dispatch_id: int, headers: Iterable[tuple[str, str, str | None]]) -> str:
    """The stored value for headers given in order (name, raw, decoded): positions 0, 1, 2, ...

    The rows are built as tuples in one pass (JSON writes a tuple as a list: the same text as `encode_items`,
    which tests/store/test_dispatch_headers.py holds it to) since ingest encodes ten headers for every letter."""
    return canonical([(dispatch_id, i, name, raw, decoded) for i, (name, raw, decoded) in enumerate(headers)])


def encode_items(dispatch_id: int, items: Iterable[HeaderItem]) -> str:
    """The stored value for headers with their own positions (rows moved from the old header table)."""
    return canonical([[dispatch_id, *item] for item in items])


def decode(dispatch_id: int, stored: Any) -> list[HeaderItem] | None:
    """The headers in a dispatch's stored value; None when it is not the form leakdesk writes for that dispatch
    (edited outside leakdesk, or moved from another dispatch)."""
    try:
        items = json.loads(stored)
    except (TypeError, ValueError):
        return None
    if not isinstance(items, list):
        return None
    out: list[HeaderItem] = []
    for item in items:
        if not (isinstance(item, list) and len(item) == 5 and type(item[0]) is int and item[0] == dispatch_id
                and type(item[1]) is int and isinstance(item[2], str) and isinstance(item[3], str)
                and (item[4] is None or isinstance(item[4], str))):
            return None
        out.append((item[1], item[2], item[3], item[4]))
    return out


def digest_rows(dispatch_id: int, stored: Any) -> list[list[Any]]:
    """The headers part of a dispatch's digest read back from its stored value: one [dispatch id, position, name,
    raw, decoded] row per header (what the header table's rows gave). A value that is not leakdesk's form for this
    dispatch hashes as an unreadable row, so the digest no longer matches and fsck names the headers as changed."""
    items = decode(dispatch_id, stored)
    if items is None or encode_items(dispatch_id, items) != stored:
        return [[dispatch_id, "unreadable", str(stored)]]
    return [[dispatch_id, *item] for item in items]


def part_hash(stored: Iterable[str]) -> str:
    """The digest's headers part for values ingest has just written (in dispatch order): the hash of the canonical
    JSON of all their rows, which is their texts joined inside one list (the same as hashing `digest_rows`)."""
    inner = ",".join(value[1:-1] for value in stored if value != "[]")
    return hashlib.sha256(f"[{inner}]".encode()).hexdigest()
