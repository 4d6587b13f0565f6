"""A dispatch's headers are one row per dispatch (migration 0024): moving the old header rows over keeps every
header, its position and every recorded digest; a stored value edited outside leakdesk is caught."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.case import Case
from leakdesk.errors import IntegrityError
from leakdesk.intake import ingest_paths
from leakdesk.store import db, header_block
from leakdesk.store.audit import canonical
from leakdesk.store.digests import _tree, rows_digest
from leakdesk.store.records import dispatches
from tests.store.test_batch_digests import _letter


def _ingest(case: Case, tmp_path: Path, n: int = 12) -> list[int]:
    box = tmp_path / "letters.mbox"
    box.write_bytes(b"".join(f"From s{i}@example.org Tue Aug  3 14:05:00 2021\n".encode() + _letter(i) + b"\n"
                             for i in range(n)))
    result = ingest_paths(case, [box], progress=False)
    assert len(result.created) == n
    with case.connect() as conn:
        return list(conn.execute(sa.text("SELECT id FROM dispatch ORDER BY id")).scalars())


def _state(case: Case, ids: list[int]) -> tuple[dict[int, list[dispatches.Header]], dict[int, object]]:
    with case.connect() as conn:
        return ({i: dispatches.headers(conn, i) for i in ids},
                {i: rows_digest(conn, i) for i in ids})


def _migrate(case: Case, revision: str) -> None:
    from alembic import command

    cfg = db.alembic_config(case.engine)
    if revision == "head":
        command.upgrade(cfg, revision)
    else:
        command.downgrade(cfg, revision)


def test_header_rows_move_to_one_row_per_dispatch_and_back_unchanged(case: Case, tmp_path: Path) -> None:
    check_headers_round_trip(case, tmp_path)


def check_headers_round_trip(case: Case, tmp_path: Path) -> None:
    """0024 -> 0023 -> 0024 keeps every header, every digest and a clean fsck (also run on PostgreSQL)."""
    ids = _ingest(case, tmp_path)
    headers, digests = _state(case, ids)
    assert sum(len(h) for h in headers.values()) > 5 * len(ids) // 2  # letters and inner messages have headers
    _migrate(case, "0023")
    with case.connect() as conn:
        old = conn.execute(sa.text("SELECT dispatch_id, position, name, raw, decoded FROM header "
                                   "ORDER BY dispatch_id, position, id")).all()
    assert [tuple(r) for r in old] == [(i, h.position, h.name, h.raw, h.decoded)
                                       for i in ids for h in headers[i]]
    _migrate(case, "head")
    assert _state(case, ids) == (headers, digests)
    assert case.fsck().ok


def test_moved_rows_keep_their_positions_and_the_digest_of_the_old_rows(case: Case, tmp_path: Path) -> None:
    """Rows written around leakdesk's own order (a gap, a repeated position, a later id) hash as the old header
    table's rows did: [dispatch id, position, name, raw, decoded] in (position, id) order."""
    ids = _ingest(case, tmp_path, n=3)
    _migrate(case, "0023")
    with case.transaction() as conn:
        conn.execute(sa.text("INSERT INTO header (dispatch_id, position, name, raw, decoded) VALUES "
                             "(1, 40, 'X-Late', 'late', NULL), (1, 2, 'X-Again', 'again', 'again')"))
        tree = _tree(conn, 1)  # the letter and its parts: its digest covers them all
        assert len(tree) > 1
        old = [list(r) for r in conn.execute(sa.text(
            "SELECT dispatch_id, position, name, raw, decoded FROM header WHERE dispatch_id IN "
            f"({','.join(map(str, tree))}) ORDER BY dispatch_id, position, id"))]
    _migrate(case, "head")
    with case.connect() as conn:
        digest = rows_digest(conn, 1)
        assert digest is not None
        assert digest["headers"] == hashlib.sha256(canonical(old).encode("utf-8")).hexdigest()
        assert [[1, h.position, h.name, h.raw, h.decoded] for h in dispatches.headers(conn, 1)] == \
            [row for row in old if row[0] == 1]
    assert ids[0] == 1


def test_stored_headers_that_are_not_leakdesks_form_are_an_integrity_error(case: Case, tmp_path: Path) -> None:
    _ingest(case, tmp_path, n=2)
    with case.transaction() as conn:
        conn.execute(sa.text("UPDATE dispatch_headers SET headers = '[[2, 0, \"From\"]]' WHERE dispatch_id = 2"))
    with case.connect() as conn, pytest.raises(IntegrityError, match="changed outside leakdesk"):
        dispatches.headers(conn, 2)
    report = case.fsck()
    assert [(c["dispatch_id"], c["changed"]) for c in report.changed_dispatches] == [(2, ["headers"])]


def test_the_stored_value_is_the_canonical_json_of_the_old_rows() -> None:
    headers = [("From", "Ёж <e@x>", None), ("Subject", "=?utf-8?b?0JA=?=", "А")]
    stored = header_block.encode(7, headers)
    assert stored == '[[7,0,"From","Ёж <e@x>",null],[7,1,"Subject","=?utf-8?b?0JA=?=","А"]]'
    assert header_block.decode(7, stored) == [(0, "From", "Ёж <e@x>", None), (1, "Subject", "=?utf-8?b?0JA=?=", "А")]
    rows = header_block.digest_rows(7, stored)
    assert rows == [[7, 0, "From", "Ёж <e@x>", None], [7, 1, "Subject", "=?utf-8?b?0JA=?=", "А"]]
    # the headers part of a tree hashed from the stored values is the hash of their rows (as read back)
    other = header_block.encode(9, [("X-A", "a", "a")])
    rows_of_both = rows + header_block.digest_rows(9, other)
    assert header_block.part_hash([stored, other]) == hashlib.sha256(canonical(rows_of_both).encode()).hexdigest()
    assert header_block.part_hash([]) == hashlib.sha256(canonical([]).encode()).hexdigest()
    for broken in ("", "{}", "[[7, 1, 2, 3, 4]]", '[[7,"0","a","b",null]]', '[[7,true,"a","b",null]]',
                   '[[8,0,"From","x",null]]', '[[7, 0, "From", "x", null]]'):
        assert header_block.digest_rows(7, broken) == [[7, "unreadable", broken]]
    assert header_block.decode(7, '[[8,0,"From","x",null]]') is None  # moved from another dispatch


HEADER = st.tuples(st.text(max_size=12), st.text(max_size=30), st.none() | st.text(max_size=30))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=2**40), st.lists(HEADER, max_size=14))
def test_encode_in_one_pass_is_the_old_rows_encoded(dispatch_id: int, headers: list[tuple[str, str, str | None]]
                                                    ) -> None:
    """`encode` builds its rows as tuples in one pass: the text is still the canonical JSON of the old header
    table's rows, [[dispatch id, position, name, raw, decoded], ...], which digests recorded before hash."""
    rows = [[dispatch_id, i, name, raw, decoded] for i, (name, raw, decoded) in enumerate(headers)]
    stored = header_block.encode(dispatch_id, headers)
    assert stored == canonical(rows) == header_block.encode_items(dispatch_id, ((i, *h) for i, h in
                                                                                enumerate(headers)))
    assert header_block.digest_rows(dispatch_id, stored) == rows
