"""A container's small originals (attachments, Maildir messages) kept in one write-once pack per batch, each a slice
of it: read, verified, de-duplicated and checked by fsck through the pack (plain and encrypted, the `case` fixture).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.store import encryption, originals
from leakdesk.store import tables as t
from leakdesk.store.originals import PACK_MEDIA_TYPE
from tests.intake.conftest import mbox_bytes, raw_message, with_attachment


def _notes(i: int) -> bytes:
    return f"Notes number {i}, written for this test.\n".encode() * 20


def _letters(first: int, count: int, every: int = 3) -> list[bytes]:
    """Letters `first`..; every `every`-th with a text attachment of its own."""
    return [with_attachment(_notes(i), f"notes-{i}.txt", "text", "plain", message_id=f"<p{i}@x>")
            if i % every == 0 else raw_message(f"Plain letter {i}.\n".encode(), message_id=f"<p{i}@x>")
            for i in range(first, first + count)]


def _ingest(case: Case, path: Path, messages: list[bytes]) -> None:
    path.write_bytes(mbox_bytes(messages))
    result = ingest_paths(case, [path], progress=False)
    assert result.ok, result.as_dict()


def _packs(case: Case) -> list[str]:
    with case.connect() as conn:
        return list(conn.execute(sa.select(t.original.c.sha256)
                                 .where(t.original.c.media_type == PACK_MEDIA_TYPE)).scalars())


def _attachments(case: Case) -> dict[str, tuple[int, int, str | None]]:
    """sha256 -> (dispatch id, parent id, filename) of every attachment."""
    d = t.dispatch.c
    with case.connect() as conn:
        return {r.original_sha256: (r.id, r.parent_id, r.filename) for r in conn.execute(
            sa.select(d.original_sha256, d.id, d.parent_id, d.filename).where(d.parent_id.is_not(None)))}


def _files(case: Case) -> list[Path]:
    return [p for p in (case.root / "originals").rglob("*") if p.is_file() and ".incoming" not in p.parts]


def test_attachments_of_a_batch_are_one_pack_read_and_verified_through_it(case: Case, tmp_path: Path) -> None:
    messages = _letters(0, 30)
    _ingest(case, tmp_path / "box.mbox", messages)
    packs = _packs(case)
    assert len(packs) == 1
    assert len(_files(case)) == 2  # the mbox and the pack; no file per attachment
    attachments = _attachments(case)
    assert len(attachments) == 10
    for i, sha in enumerate(sorted(attachments, key=lambda s: attachments[s][0])):
        where = case.originals.slice_of(sha)
        assert where is not None and where.container == packs[0]
        assert case.originals.read_bytes(sha) == _notes(3 * i)
        assert case.originals.verified_path(sha).read_bytes() == _notes(3 * i)
    with case.connect() as conn:
        pack_size = conn.execute(sa.select(t.original.c.size).where(t.original.c.sha256 == packs[0])).scalar()
        assert pack_size == sum(len(_notes(i)) for i in range(0, 30, 3))  # the members, nothing else
        # nobody sent the pack: no custody row; its members keep theirs
        assert conn.execute(sa.select(sa.func.count()).where(t.custody.c.sha256 == packs[0])).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).where(t.custody.c.event == "extracted")).scalar() == 10
    assert os.stat(case.originals.path(packs[0])).st_mode & 0o777 == 0o400
    assert case.fsck().ok


def test_rerun_is_idempotent_and_an_attachment_already_stored_stays_where_it_is(case: Case, tmp_path: Path) -> None:
    _ingest(case, tmp_path / "box.mbox", _letters(0, 30))
    first = _packs(case)
    files = sorted(_files(case))
    again_result = ingest_paths(case, [tmp_path / "box.mbox"], progress=False)  # the same mbox again
    assert again_result.ok and len(again_result.re_received) == 30 and not again_result.created
    assert _packs(case) == first and sorted(_files(case)) == files
    # a second mbox: new letters whose attachments are the first mbox's notes 0 and 3, and two new ones
    again = [with_attachment(_notes(i), f"copy-{i}.txt", "text", "plain", message_id=f"<q{i}@x>")
             for i in (0, 3, 100, 101)]
    _ingest(case, tmp_path / "second.mbox", again)
    with case.connect() as conn:
        places = dict(conn.execute(sa.select(t.original_slice.c.sha256, t.original_slice.c.container_sha256)).all())
    shas = {case.originals.read_bytes(sha): sha for sha in _attachments(case)}
    assert places[shas[_notes(0)]] == first[0] and places[shas[_notes(3)]] == first[0]  # not packed again
    second = [p for p in _packs(case) if p not in first]
    assert len(second) == 1 and places[shas[_notes(100)]] == second[0] == places[shas[_notes(101)]]
    with case.connect() as conn:
        size = conn.execute(sa.select(t.original.c.size).where(t.original.c.sha256 == second[0])).scalar()
    assert size == len(_notes(100)) + len(_notes(101))
    assert case.fsck().ok


def test_an_attachment_with_a_file_of_its_own_keeps_it(case: Case, tmp_path: Path) -> None:
    alone = tmp_path / "alone.eml"
    alone.write_bytes(with_attachment(_notes(3), "notes.txt", "text", "plain", message_id="<alone@x>"))
    assert ingest_paths(case, [alone], progress=False).ok  # outside a container: a file of its own, as always
    sha = next(iter(_attachments(case)))
    assert case.originals.path(sha).is_file()
    _ingest(case, tmp_path / "box.mbox", _letters(0, 30))
    assert case.originals.slice_of(sha) is None and case.originals.path(sha).is_file()
    assert case.fsck().ok


def test_one_small_original_or_a_large_one_gets_a_file_of_its_own(case: Case, tmp_path: Path) -> None:
    big = os.urandom(originals.PACK_MEMBER_MAX + 1)
    messages = [with_attachment(_notes(1), "small.txt", "text", "plain", message_id="<s@x>"),
                with_attachment(big, "big.bin", message_id="<b@x>"), raw_message(message_id="<r@x>")]
    _ingest(case, tmp_path / "box.mbox", messages)
    assert _packs(case) == []
    for sha in _attachments(case):
        assert case.originals.path(sha).is_file() and case.originals.slice_of(sha) is None
    assert case.fsck().ok


def _damage(case: Case, pack: str, change: str) -> None:
    path = case.originals.path(pack)
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    if change == "cut":
        data = data[: len(data) - 50]
    elif case.key is None:
        data[5] ^= 0x01  # a byte of the first attachment
    else:
        data[encryption._START + 5] ^= 0x01  # the pack's only sealed record: every attachment in it
    path.write_bytes(bytes(data))
    os.chmod(path, 0o400)


@pytest.mark.parametrize("change", ["cut", "edit"])
def test_fsck_names_the_letters_whose_attachments_a_damaged_pack_holds(case: Case, tmp_path: Path,
                                                                       change: str) -> None:
    _ingest(case, tmp_path / "box.mbox", _letters(0, 30))
    (pack,) = _packs(case)
    attachments = _attachments(case)
    by_offset = sorted(attachments, key=lambda s: case.originals.slice_of(s).offset)  # type: ignore[union-attr]
    _damage(case, pack, change)
    report = case.fsck()
    assert not report.ok
    damaged = {d["sha256"]: d["problem"] for d in report.damaged_originals}
    assert pack in damaged
    hit = by_offset[-1] if change == "cut" or case.key is not None else by_offset[0]
    assert hit in damaged
    dispatch_id, parent_id, filename = attachments[hit]
    assert f"kept inside the pack {pack}" in damaged[hit]
    assert f"dispatch {dispatch_id} (attachment '{filename}' of dispatch {parent_id})" in damaged[hit]
    assert f"dispatch {dispatch_id} (attachment '{filename}' of dispatch {parent_id})" in damaged[pack]
    if case.key is None:
        assert set(damaged) == {pack, hit}  # the other attachments are intact
    else:
        assert set(damaged) == {pack, *attachments}


def test_fsck_names_every_letter_of_a_deleted_pack(case: Case, tmp_path: Path) -> None:
    _ingest(case, tmp_path / "box.mbox", _letters(0, 12))
    (pack,) = _packs(case)
    case.originals.path(pack).unlink()
    report = case.fsck()
    missing = {m["sha256"]: m["problem"] for m in report.missing_originals}
    assert set(missing) == {pack, *_attachments(case)}
    for sha, (dispatch_id, parent_id, _name) in _attachments(case).items():
        assert f"of dispatch {parent_id})" in missing[sha] and f"dispatch {dispatch_id} " in missing[pack]


def test_a_maildir_s_messages_are_packed(case: Case, tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    messages = _letters(0, 9)
    for i, m in enumerate(messages):
        (box / "cur" / f"{1000 + i}.x{i}:2,S").write_bytes(m)
    result = ingest_paths(case, [box], progress=False)
    assert result.ok and len(result.created) == 9, result.as_dict()
    (pack,) = _packs(case)
    d = t.dispatch.c
    with case.connect() as conn:
        letters = list(conn.execute(sa.select(d.original_sha256).where(d.parent_id.is_(None))).scalars())
    assert {case.originals.read_bytes(sha) for sha in letters} == set(messages)
    assert all(case.originals.slice_of(sha).container == pack for sha in letters)  # type: ignore[union-attr]
    assert case.fsck().ok
    again = ingest_paths(case, [box], progress=False)
    assert len(again.re_received) == 9 and _packs(case) == [pack]


class _Killed(BaseException):
    """Stands for a kill -9 between the batch's originals being made durable and its transaction."""


def test_a_pack_left_by_an_ingest_killed_before_its_rows_is_reused(case: Case, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from leakdesk.store.records import intake as records

    box = tmp_path / "box.mbox"
    box.write_bytes(mbox_bytes(_letters(0, 30)))
    real = records.write_letters

    def killed(*args: object, **kwargs: object) -> object:
        raise _Killed

    monkeypatch.setattr(records, "write_letters", killed)
    with pytest.raises(_Killed):
        ingest_paths(case, [box], progress=False)
    left = [p for p in _files(case) if p.name != _mbox_sha(case)]
    assert len(left) == 1  # the pack, in place and durable, recorded nowhere
    report = case.fsck()
    assert report.ok and any("stored but not recorded" in w for w in report.warnings)
    monkeypatch.setattr(records, "write_letters", real)
    result = ingest_paths(case, [box], progress=False)
    assert result.ok and len(result.created) == 30
    assert _packs(case) == [left[0].name]  # the same pack, not rewritten
    report = case.fsck()
    assert report.ok and not any("stored but not recorded" in w for w in report.warnings)


def _mbox_sha(case: Case) -> str:
    with case.connect() as conn:
        return str(conn.execute(sa.select(t.original.c.sha256)
                                .where(t.original.c.media_type == "application/mbox")).scalar())


def test_case_fsck_prints_the_letters_of_a_pack_cut_short(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import invoke

    _ingest(case, tmp_path / "box.mbox", _letters(0, 12))
    (pack,) = _packs(case)
    attachments = _attachments(case)
    last = max(attachments, key=lambda s: case.originals.slice_of(s).offset)  # type: ignore[union-attr]
    dispatch_id, parent_id, filename = attachments[last]
    _damage(case, pack, "cut")
    res = invoke(runner, "fsck", case.root)
    assert res.exit_code != 0
    text = " ".join(res.output.split())
    assert f"Original {last}: kept inside the pack {pack}" in text
    assert f"dispatch {dispatch_id} (attachment '{filename}' of dispatch {parent_id})" in text
    assert "The case is damaged." in text


def test_a_member_in_one_chunk_gets_the_digests_and_slice_it_gets_in_several(case: Case) -> None:
    import hashlib

    store = case.originals
    members = [raw_message(f"Member {i}.\n".encode() * (i + 1), message_id=f"<m{i}@x>") for i in range(3)]
    container = store.put_bytes(b"".join(members)).sha256
    at = len(members[0])
    whole = store.put_slice(iter([members[1]]), container, at)
    store.settle([whole.sha256])
    pieces = store.put_slice(iter([members[1][:7], members[1][7:30], members[1][30:]]), container, at)
    assert (whole.sha256, whole.sha1, whole.md5, whole.size) == (
        hashlib.sha256(members[1]).hexdigest(), hashlib.sha1(members[1]).hexdigest(),
        hashlib.md5(members[1]).hexdigest(), len(members[1]))
    assert whole == pieces and whole.slice == pieces.slice == originals.Slice(container, at, len(members[1]))
    changed = store.put_slice(iter([members[1][:-1] + b"?"]), container, at)  # the input changed since
    assert changed.slice is None and store.read_bytes(changed.sha256) == members[1][:-1] + b"?"
    empty = store.put_slice(iter([b""]), container, at)
    assert empty.size == 0 and empty.slice is None
