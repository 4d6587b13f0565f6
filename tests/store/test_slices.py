"""mbox members kept as slices of the stored mbox: read, verified and checked by fsck through it (plain and encrypted).

Each test runs on a plain and on an encrypted case (the `case` fixture)."""

from __future__ import annotations

import hashlib
import io
import os
import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.case import Case
from leakdesk.errors import IntegrityError
from leakdesk.intake import ingest_paths
from leakdesk.store import encryption, originals
from leakdesk.store import tables as t
from leakdesk.store.originals import Slice


def _message(i: int, body: bytes = b"") -> bytes:
    return (f"From: Sender {i} <s{i}@example.org>\nTo: desk@example.org\nSubject: Letter {i}\n"
            f"Message-ID: <slice{i}@example.org>\nDate: Tue, 03 Aug 2021 14:05:00 +0300\n\n"
            f"Letter number {i}, written for this test.\n").encode() + body


def _mbox(messages: list[bytes]) -> bytes:
    return b"".join(f"From s{i}@example.org Tue Aug  3 14:05:00 2021\n".encode() + m + b"\n"
                    for i, m in enumerate(messages))


def _ingest(case: Case, tmp_path: Path, messages: list[bytes]) -> tuple[Path, dict[str, int]]:
    box = tmp_path / "box.mbox"
    box.write_bytes(_mbox(messages))
    result = ingest_paths(case, [box], progress=False)
    assert result.ok and len(result.created) == len(messages), result.as_dict()
    with case.connect() as conn:
        rows = conn.execute(sa.select(t.dispatch.c.id, t.dispatch.c.original_sha256)
                            .where(t.dispatch.c.parent_id.is_(None))).all()
    return box, {r.original_sha256: r.id for r in rows}


def _container(case: Case) -> str:
    with case.connect() as conn:
        return str(conn.execute(sa.select(t.original_slice.c.container_sha256).limit(1)).scalar())


def test_mbox_members_are_slices_read_and_verified_through_the_mbox(case: Case, tmp_path: Path) -> None:
    messages = [_message(i) for i in range(30)]
    _box, letters = _ingest(case, tmp_path, messages)
    files = [p for p in (case.root / "originals").rglob("*") if p.is_file()]
    assert len(files) == 1  # the mbox itself; no file per message
    with case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.original_slice)).scalar() == 30
    by_bytes = {case.originals.read_bytes(sha): sha for sha in letters}
    assert set(by_bytes) == set(messages)  # each letter's bytes are exactly the message
    sha = by_bytes[messages[7]]
    assert case.originals.exists(sha)
    assert case.originals.verified_path(sha).read_bytes() == messages[7]
    assert case.fsck().ok


def test_fsck_names_the_letter_whose_bytes_changed_inside_the_mbox(case: Case, tmp_path: Path) -> None:
    messages = [_message(i) for i in range(10)]
    box, letters = _ingest(case, tmp_path, messages)
    container = _container(case)
    victim = next(sha for sha in letters if case.originals.read_bytes(sha) == messages[4])
    where = case.originals.slice_of(victim)
    assert where is not None and where.container == container
    path = case.originals.path(container)
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    if case.key is None:
        data[where.offset + 10] ^= 0x01  # a flipped byte inside letter 4
    else:
        data[encryption._START + 100] ^= 0x01  # the only sealed record: every letter in it
    path.write_bytes(bytes(data))
    os.chmod(path, 0o400)
    report = case.fsck()
    damaged = {d["sha256"] for d in report.damaged_originals}
    assert container in damaged and victim in damaged
    if case.key is None:
        assert damaged == {container, victim}  # the other letters are intact
    with pytest.raises(IntegrityError):
        case.originals.read_bytes(victim)


def test_fsck_names_letters_cut_off_by_a_truncated_mbox(case: Case, tmp_path: Path) -> None:
    messages = [_message(i) for i in range(10)]
    _box, letters = _ingest(case, tmp_path, messages)
    container = _container(case)
    path = case.originals.path(container)
    os.chmod(path, 0o600)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size - 200)
    report = case.fsck()
    damaged = {d["sha256"] for d in report.damaged_originals}
    assert container in damaged
    last = next(sha for sha in letters if case.originals.slice_of(sha).offset == max(  # type: ignore[union-attr]
        case.originals.slice_of(s).offset for s in letters))  # type: ignore[union-attr]
    assert last in damaged


def test_fsck_names_every_letter_of_a_deleted_mbox(case: Case, tmp_path: Path) -> None:
    _box, letters = _ingest(case, tmp_path, [_message(i) for i in range(5)])
    container = _container(case)
    case.originals.path(container).unlink()
    report = case.fsck()
    missing = {m["sha256"] for m in report.missing_originals}
    assert missing == {container, *letters}
    assert all("kept inside the original" in m["problem"] for m in report.missing_originals if m["sha256"] != container)


def test_mboxrd_unquoted_members_get_a_file_of_their_own(case: Case, tmp_path: Path) -> None:
    plain = _message(1)
    quoted = _message(2, b">From the start, as written.\n>>From a quoted line.\n")
    _box, letters = _ingest(case, tmp_path, [plain, quoted])
    kinds = {case.originals.read_bytes(sha): case.originals.slice_of(sha) for sha in letters}
    assert kinds[plain] is not None  # exactly the mbox's bytes
    unquoted = next(data for data in kinds if data != plain)
    assert b"\nFrom the start" in unquoted and kinds[unquoted] is None  # one '>' taken off: not the mbox's bytes
    assert case.fsck().ok


def test_a_member_already_stored_as_a_file_keeps_its_file(case: Case, tmp_path: Path) -> None:
    first = _message(3)
    eml = tmp_path / "one.eml"
    eml.write_bytes(first)
    assert ingest_paths(case, [eml], progress=False).ok
    box = tmp_path / "box.mbox"
    box.write_bytes(_mbox([first, _message(4)]))
    result = ingest_paths(case, [box], progress=False)
    assert len(result.created) == 1 and len(result.re_received) == 1
    sha = hashlib.sha256(first).hexdigest()
    assert case.originals.slice_of(sha) is None and case.originals.path(sha).exists()
    assert case.originals.slice_of(hashlib.sha256(_message(4)).hexdigest()) is not None
    assert case.fsck().ok


def test_put_slice_compares_with_the_stored_container(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    store = case.originals
    body = b"".join(_message(i) for i in range(3))
    container = store.put_bytes(body).sha256
    at = len(_message(0))
    same = store.put_slice(iter([_message(1)[:50], _message(1)[50:]]), container, at)
    assert same.slice == Slice(container, at, len(_message(1)))
    other = store.put_slice(iter([_message(1)[:50], b"changed since" + _message(1)[63:]]), container, at)
    assert other.slice is None  # the input no longer matches the stored mbox: a file of its own
    store.commit_pending()
    assert store.path(other.sha256).exists()
    assert store.read_bytes(other.sha256) == b"".join([_message(1)[:50], b"changed since", _message(1)[63:]])
    monkeypatch.setattr(originals, "MAX_SLICE", 100)
    big = store.put_slice(iter([_message(2)]), container, at + len(_message(1)))
    assert big.slice is None  # above MAX_SLICE: a file of its own
    store.commit_pending()
    assert store.read_bytes(big.sha256) == _message(2)


def test_sealed_reader_decrypts_only_what_it_needs_and_refuses_a_changed_tag() -> None:
    key = os.urandom(32)
    rng = random.Random(7)
    data = rng.randbytes(3 * encryption.RECORD + 777)
    out = io.BytesIO()
    writer = encryption.SealingWriter(out, key)
    writer.write(data)
    writer.close()
    sealed = out.getvalue()
    reader = encryption.SealedReader(io.BytesIO(sealed), key, "x")
    for _ in range(50):
        at, n = rng.randrange(len(data) + 5), rng.randrange(2 * encryption.RECORD)
        assert reader.read_at(at, n) == data[at:at + n]
    changed = bytearray(sealed)
    changed[encryption._START + encryption._STRIDE - 14] ^= 0x01  # the tag of the first record (what the state
    # takes from it: its first 8 bytes; the rest of an unread record's tag changes nothing that is read)
    reader = encryption.SealedReader(io.BytesIO(bytes(changed)), key, "x")
    with pytest.raises(IntegrityError):
        reader.read_at(2 * encryption.RECORD + 5, 10)  # the state rebuilt from a changed tag does not open record 2


def test_a_large_member_is_read_from_its_slice_without_a_view(case: Case, tmp_path: Path) -> None:
    big = _message(5, ("A long letter about the accounts, line after line.\n" * 8000).encode())  # ~400 KB
    assert len(big) > 256 * 1024
    _box, letters = _ingest(case, tmp_path, [_message(1), big])
    sha = next(sha for sha in letters if case.originals.read_bytes(sha) == big)
    assert case.originals.slice_of(sha) is not None
    assert case.originals._views == {}  # read from the mbox into memory, no copy written anywhere
    with case.connect() as conn:
        body = conn.execute(sa.select(t.text.c.content).where(t.text.c.dispatch_id == letters[sha])).scalar()
    assert body is not None and body.count("line after line") == 8000


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=3 * 1024**2 + 10),
                          st.integers(min_value=0, max_value=700_000)), min_size=1, max_size=12))
def test_a_plain_original_reads_the_same_through_the_read_ahead_window(reads: list[tuple[int, int]]) -> None:
    import tempfile

    from leakdesk.store.originals import _ContainerBytes

    data = bytes(range(256)) * (3 * 1024**2 // 256) + b"tail"  # past three windows, ending mid-window
    with tempfile.NamedTemporaryFile() as fh:
        fh.write(data)
        fh.flush()
        with _ContainerBytes(Path(fh.name), None, "0" * 64) as stored:
            for at, n in sorted(reads) + reads:  # in order (as an mbox is read) and in the order drawn
                assert stored.read_at(at, n) == data[at:at + n]
