"""RAR archives (4.x and 5.0) through the real reader (libarchive), on files our own writer
(tests/intake/rarwriter.py) makes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.registry import Source, default_registry
from leakdesk.store import tables as t
from tests.intake.conftest import raw_message
from tests.intake.rarwriter import RarEntry, write_rar4, write_rar5

WRITERS = pytest.mark.parametrize("write", [write_rar4, write_rar5], ids=["rar4", "rar5"])
NOTE = "Встреча перенесена на четверг.\n"


def _entries() -> list[RarEntry]:
    return [RarEntry("letter.eml", raw_message(message_id="<rar1@example.org>")), RarEntry("Документы", None),
            RarEntry("Документы/заметка о встрече.txt", NOTE.encode()),
            RarEntry("archive/2021/08/deep.txt", b"Words kept three folders down.\n")]


def _ingest(case: Case, tmp_path: Path, data: bytes, name: str = "leak.rar") -> tuple[Any, list[dict[str, Any]]]:
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_paths(case, [path], progress=False), list_dispatches(case)


def _details_and_text(case: Case, dispatch_id: int) -> tuple[dict[str, Any], list[str]]:
    with case.connect() as conn:
        details = conn.execute(sa.select(t.dispatch.c.details).where(t.dispatch.c.id == dispatch_id)).scalar_one()
        texts = conn.execute(sa.select(t.text.c.content).where(t.text.c.dispatch_id == dispatch_id)).scalars()
        return details, list(texts)


@WRITERS
def test_a_rar_is_chosen_by_its_content_whatever_its_name(write: Callable[[list[RarEntry]], bytes]) -> None:
    assert default_registry().choose(Source(filename="photos.bin", data=write(_entries()))).name == "libarchive"


@WRITERS
def test_the_letters_and_files_of_a_rar_come_out(case: Case, tmp_path: Path,
                                                 write: Callable[[list[RarEntry]], bytes]) -> None:
    result, listed = _ingest(case, tmp_path, write(_entries()))
    assert result.ok, result.problems
    by_name = {d["filename"]: d for d in listed}
    assert set(by_name) == {"letter.eml", "заметка о встрече.txt", "deep.txt"}  # folders are not dispatches
    letter = by_name["letter.eml"]
    assert (letter["kind"], letter["subject"], letter["message_id"]) == ("email", "Test letter", "<rar1@example.org>")
    details, texts = _details_and_text(case, by_name["заметка о встрече.txt"]["id"])
    assert details["member"] == "Документы/заметка о встрече.txt"
    assert [text.strip() for text in texts] == [NOTE.strip()]
    details, texts = _details_and_text(case, by_name["deep.txt"]["id"])
    assert details["member"] == "archive/2021/08/deep.txt"
    assert [text.strip() for text in texts] == ["Words kept three folders down."]
    with case.connect() as conn:  # custody names the archive for every member
        sources = set(conn.execute(sa.select(t.custody.c.source)).scalars())
    assert sources == {str(tmp_path / "leak.rar")}


@WRITERS
def test_a_rar_whose_first_header_is_damaged_is_refused_in_one_line(case: Case, tmp_path: Path,
                                                                    write: Callable[[list[RarEntry]], bytes]) -> None:
    data = bytearray(write(_entries()))
    data[data.find(b"letter.eml")] ^= 0x01  # the header no longer matches its CRC
    result, listed = _ingest(case, tmp_path, bytes(data))
    assert [(d["filename"], d["status"], d["error"]) for d in listed] == [
        ("leak.rar", "error", "not a readable archive (a checksum does not match, so the file is damaged: "
                              "Header CRC error)")]
    assert [p.where for p in result.problems] == [str(tmp_path / "leak.rar")]


@WRITERS
def test_a_rar_damaged_further_on_keeps_the_members_before(case: Case, tmp_path: Path,
                                                          write: Callable[[list[RarEntry]], bytes]) -> None:
    data = bytearray(write(_entries()))
    data[data.find("заметка".encode()) if write is write_rar5 else data.find(b"deep.txt")] ^= 0x01
    result, listed = _ingest(case, tmp_path, bytes(data))
    assert "letter.eml" in {d["filename"] for d in listed}
    [container] = [d for d in listed if d["filename"] == "leak.rar"]
    assert container["error"] == ("the archive is damaged; reading stopped early (a checksum does not match, so "
                                  "the file is damaged: Header CRC error)")
    assert [p.where for p in result.problems] == [str(tmp_path / "leak.rar")]


@WRITERS
def test_a_cut_rar_names_the_member_it_could_not_finish(case: Case, tmp_path: Path,
                                                        write: Callable[[list[RarEntry]], bytes]) -> None:
    data = write(_entries())
    result, listed = _ingest(case, tmp_path, data[:data.find(b"Words kept") + 5])
    assert {"letter.eml", "заметка о встрече.txt"} <= {d["filename"] for d in listed}
    [container] = [d for d in listed if d["filename"] == "leak.rar"]
    assert container["error"].startswith("member 'archive/2021/08/deep.txt' cannot be extracted (")
    assert [p.where for p in result.problems] == [str(tmp_path / "leak.rar")]


@WRITERS
def test_a_flipped_byte_inside_a_stored_member_is_named_and_the_bytes_are_kept(
        case: Case, tmp_path: Path, write: Callable[[list[RarEntry]], bytes]) -> None:
    data = bytearray(write(_entries()))
    data[data.find(b"Words kept") + 1] ^= 0x01  # "Words" becomes "Wnrds": the header's CRC32 no longer matches
    result, listed = _ingest(case, tmp_path, bytes(data))
    by_name = {d["filename"]: d for d in listed}
    damage = ("member 'archive/2021/08/deep.txt' is damaged: its checksum does not match the one the archive "
              "declares (the bytes are kept as they came out)")
    assert (by_name["deep.txt"]["status"], by_name["deep.txt"]["error"]) == ("error", damage)
    assert by_name["letter.eml"]["status"] == "ok" and by_name["заметка о встрече.txt"]["status"] == "ok"
    _, texts = _details_and_text(case, by_name["deep.txt"]["id"])
    assert [text.strip() for text in texts] == ["Wnrds kept three folders down."]
    assert [(p.where, p.message) for p in result.problems] == [(f"{tmp_path / 'leak.rar'}, member 4", damage)]
    assert result.warnings == []  # said once, by the member, not again for the archive


@WRITERS
def test_the_declared_checksums_are_read_for_files_only(write: Callable[[list[RarEntry]], bytes]) -> None:
    import io
    import zlib

    from leakdesk.intake.rar_crc import DeclaredFile, declared_files
    files = [e for e in _entries() if e.data is not None]
    assert declared_files(io.BytesIO(write(_entries()))) == [
        DeclaredFile(len(e.data or b""), zlib.crc32(e.data or b"")) for e in files]
    assert declared_files(io.BytesIO(b"Rar!\x1a\x07\x01\x00\xff")) == []
    assert declared_files(io.BytesIO(b"PK\x03\x04")) == []
