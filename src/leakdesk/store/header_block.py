"""A dispatch's headers kept as one stored value (`dispatch_headers.headers`) instead of a row per header.

The value is the canonical JSON (`audit.canonical`) of [[position, name, raw, decoded], ...] in the order the
headers appear. Ingest writes ten headers for most letters, so one row per letter instead of one per header takes
nine of every ten inserts (and their index entries) off a batch. Readers go through `records.dispatches.headers`;
the digest of a dispatch's rows hashes the headers as before, one [dispatch id, position, name, raw, decoded] row
per header, so digests recorded before the change still compare.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from leakdesk.store.audit import canonical

HeaderItem = tuple[int, str, str, str | None]  # position, name, raw, decoded


def encode(headers: Iterable[tuple[str, str, str | None]]) -> str:
    """The stored value for headers given in order (name, raw, decoded): positions 0, 1, 2, ..."""
    return canonical([[i, name, raw, decoded] for i, (name, raw, decoded) in enumerate(headers)])


def encode_items(items: Iterable[HeaderItem]) -> str:
    """The stored value for headers with their own positions (rows moved from the old header table)."""
    return canonical([list(item) for item in items])


def decode(stored: Any) -> list[HeaderItem] | None:
    """The headers in a stored value; None when it is not the form leakdesk writes (edited outside leakdesk)."""
    try:
        items = json.loads(stored)
    except (TypeError, ValueError):
        return None
    if not isinstance(items, list):
        return None
    out: list[HeaderItem] = []
    for item in items:
        if not (isinstance(item, list) and len(item) == 4 and type(item[0]) is int and isinstance(item[1], str)
                and isinstance(item[2], str) and (item[3] is None or isinstance(item[3], str))):
            return None
        out.append((item[0], item[1], item[2], item[3]))
    return out


def digest_rows(dispatch_id: int, stored: Any) -> list[list[Any]]:
    """The headers part of a dispatch's digest, from its stored value: one [dispatch id, position, name, raw,
    decoded] row per header (what the header table's rows gave). A value that cannot be read hashes as itself, so
    the digest no longer matches and fsck names the headers as changed."""
    items = decode(stored)
    if items is None:
        return [[dispatch_id, "unreadable", str(stored)]]
    return [[dispatch_id, *item] for item in items]
