"""Outlook .pst files through the real reader (libpff), on files our own writer (tests/intake/pstwriter.py) makes."""

from __future__ import annotations

import mailbox
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.registry import Source, default_registry
from leakdesk.store import tables as t
from tests.intake.conftest import EN_TEXT, RU_TEXT
from tests.intake.pstwriter import PstAttachment, PstFolder, PstMessage, write_pst

pypff = pytest.importorskip("pypff")

HEADERS = ("From: =?utf-8?b?0JjQvdGB0LDQudC00LXRgA==?= <insider@example.org>\r\nTo: Desk <desk@example.org>\r\n"
           "Subject: =?utf-8?b?0J7RgtGH0ZHRgiDQviDQstGB0YLRgNC10YfQtQ==?=\r\n"
           "Date: Tue, 03 Aug 2021 14:05:00 +0300\r\nMessage-ID: <pst1@example.org>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
LONG_RU = (RU_TEXT + "\n") * 30  # over 3,580 bytes: libpff reads it from a subnode, not the heap


def _letters() -> list[PstFolder]:
    with_headers = PstMessage("Отчёт о встрече", RU_TEXT, sender_name="Инсайдер", transport_headers=HEADERS,
                              message_id="<pst1@example.org>",
                              attachments=[PstAttachment("отчёт.txt", "приложенный текст\n".encode(), "text/plain")])
    plain = PstMessage("Meeting notes", EN_TEXT, transport_headers=HEADERS.replace("pst1", "pst2").replace(
        "Subject: =?utf-8?b?0J7RgtGH0ZHRgiDQviDQstGB0YLRgNC10YfQtQ==?=", "Subject: Meeting notes"),
        message_id="<pst2@example.org>")
    in_project = PstMessage("Длинное письмо", LONG_RU, message_id="<pst3@example.org>",
                            transport_headers="Message-ID: <pst3@example.org>\r\nFrom: insider@example.org\r\n"
                                              "Subject: =?utf-8?b?0JTQu9C40L3QvdC+0LUg0L/QuNGB0YzQvNC+?=\r\n\r\n")
    sent = PstMessage("Черновик ответа", "Ответ редакции.", sender_name="Desk", sender_email="desk@example.org",
                      to=[("Инсайдер", "insider@example.org"), ("Editor", "editor@example.org")],
                      message_id="<sent1@example.org>")  # sent from this mailbox: no transport headers
    return [PstFolder("Inbox", [with_headers, plain], [PstFolder("Проекты", [in_project])]),
            PstFolder("Sent Items", [sent])]


def _ingest(case: Case, tmp_path: Path, data: bytes, name: str = "outlook.pst") -> tuple[Any, list[dict[str, Any]]]:
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_paths(case, [path], progress=False), list_dispatches(case)


def _libpff_counts(path: Path) -> dict[str, int]:
    """Messages per folder as libpff itself lists them, folder names joined below the root."""
    pst = pypff.file()
    pst.open(str(path))
    counts: dict[str, int] = {}

    def walk(folder: Any, path: str) -> None:
        if folder.number_of_sub_messages:
            counts[path] = folder.number_of_sub_messages
        for i in range(folder.number_of_sub_folders):
            sub = folder.get_sub_folder(i)
            walk(sub, f"{path}/{sub.name}".lstrip("/"))

    walk(pst.get_root_folder(), "")
    pst.close()
    return counts


def _texts(case: Case, dispatch_id: int) -> list[str]:
    with case.connect() as conn:
        return list(conn.execute(sa.select(t.text.c.content).where(t.text.c.dispatch_id == dispatch_id)).scalars())


def test_a_pst_is_chosen_by_its_content_whatever_its_name() -> None:
    data = write_pst(_letters())
    assert default_registry().choose(Source(filename="backup.dat", data=data)).name == "libpff"


def test_every_letter_of_a_pst_comes_out_with_its_folder(case: Case, tmp_path: Path) -> None:
    result, listed = _ingest(case, tmp_path, write_pst(_letters()))
    assert result.ok, result.problems
    by_id = {d["message_id"]: d for d in listed if d["kind"] == "email"}
    assert {mid: d["folder"] for mid, d in by_id.items()} == {
        "<pst1@example.org>": "Inbox", "<pst2@example.org>": "Inbox", "<pst3@example.org>": "Inbox/Проекты",
        "<sent1@example.org>": "Sent Items"}
    with case.connect() as conn:  # each letter's custody names the PST and its place inside it
        custody = conn.execute(sa.select(t.custody.c.dispatch_id, t.custody.c.source, t.custody.c.location)).all()
    assert {(row[1], row[2]) for row in custody if row[0] in {d["id"] for d in by_id.values()}} == {
        (str(tmp_path / "outlook.pst"), f"message {n}") for n in range(1, 5)}
    first = by_id["<pst1@example.org>"]
    assert (first["subject"], first["sender"]) == ("Отчёт о встрече", "Инсайдер <insider@example.org>")
    assert [s.strip() for s in _texts(case, first["id"])] == [RU_TEXT]
    assert _texts(case, by_id["<pst3@example.org>"]["id"])[0].strip() == LONG_RU.strip()


def test_the_attachment_of_a_pst_letter_is_its_child_file(case: Case, tmp_path: Path) -> None:
    _, listed = _ingest(case, tmp_path, write_pst(_letters()))
    letter = next(d for d in listed if d["message_id"] == "<pst1@example.org>")
    [attachment] = [d for d in listed if d["parent_id"] == letter["id"]]
    assert attachment["filename"] == "отчёт.txt"
    assert [s.strip() for s in _texts(case, attachment["id"])] == ["приложенный текст"]


def test_a_letter_without_transport_headers_is_rebuilt_from_outlook_fields(case: Case, tmp_path: Path) -> None:
    _, listed = _ingest(case, tmp_path, write_pst(_letters()))
    sent = next(d for d in listed if d["message_id"] == "<sent1@example.org>")
    assert sent["subject"] == "Черновик ответа"
    assert sent["sender"] == "Desk <desk@example.org>"
    assert sent["date_utc"] == "2021-08-03T11:05:00+00:00"
    with case.connect() as conn:
        row = conn.execute(sa.select(t.dispatch).where(t.dispatch.c.id == sent["id"])).one()
    assert row.recipients == "Инсайдер <insider@example.org>, Editor <editor@example.org>"
    assert row.details["rebuilt"] == ("from the Outlook data file's properties; no transport headers (a letter "
                                      "written or sent from this mailbox, or kept by Exchange): Subject, From, To, "
                                      "Date, Message-ID from Outlook's fields")


def test_counts_per_folder_equal_what_libpff_lists(case: Case, tmp_path: Path) -> None:
    many = [PstMessage(f"Письмо {n}", f"Текст {n}.", message_id=f"<m{n}@example.org>") for n in range(45)]
    folders = [PstFolder("Inbox", many[:30], [PstFolder(f"Папка {n}", many[30 + n:31 + n]) for n in range(15)])]
    path = tmp_path / "many.pst"
    path.write_bytes(write_pst(folders))
    result = ingest_paths(case, [path], progress=False)
    assert result.ok, result.problems
    ours: dict[str, int] = {}
    for d in list_dispatches(case):
        if d["kind"] == "email":
            ours[d["folder"]] = ours.get(d["folder"], 0) + 1
    libpff = {k.removeprefix("Top of Personal Folders/"): v for k, v in _libpff_counts(path).items()}
    assert ours == libpff
    assert sum(ours.values()) == 45


@pytest.mark.skipif(shutil.which("readpst") is None, reason="readpst (Debian pst-utils) is not installed")
def test_readpst_reads_the_same_letters_from_our_pst(tmp_path: Path) -> None:
    path = tmp_path / "outlook.pst"
    path.write_bytes(write_pst(_letters()))
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["readpst", "-q", "-r", "-o", str(out), str(path)], check=True, capture_output=True)
    found = {p.relative_to(out).as_posix(): sorted(m["Message-ID"] for m in mailbox.mbox(p))
             for p in out.rglob("mbox")}
    assert found == {"Personal Folders/Inbox/mbox": ["<pst1@example.org>", "<pst2@example.org>"],
                     "Personal Folders/Inbox/Проекты/mbox": ["<pst3@example.org>"],
                     "Personal Folders/Sent Items/mbox": ["<sent1@example.org>"]}


def test_an_html_only_letter_is_decoded_with_its_code_page(case: Case, tmp_path: Path) -> None:
    html = f"<html><body><p>{RU_TEXT}</p></body></html>".encode("cp1251")
    letter = PstMessage("HTML", None, html_body=html, internet_codepage=1251, message_id="<html@example.org>")
    _, listed = _ingest(case, tmp_path, write_pst([PstFolder("Inbox", [letter])]))
    [row] = [d for d in listed if d["kind"] == "email"]
    assert RU_TEXT in " ".join(_texts(case, row["id"]))


def test_a_cut_pst_is_refused_in_one_line_naming_the_file(case: Case, tmp_path: Path) -> None:
    data = write_pst(_letters())
    result, listed = _ingest(case, tmp_path, data[:0x4800])
    assert [(d["filename"], d["status"]) for d in listed] == [("outlook.pst", "error")]
    assert listed[0]["error"].startswith("the Outlook data file is damaged or encrypted and cannot be opened (")
    assert "\n" not in listed[0]["error"]
    assert [p.where for p in result.problems] == [str(tmp_path / "outlook.pst")]


def _break_heap_holding(data: bytes, text: str, client_signature: int) -> bytes:
    """The PST with the Heap-on-Node block that holds `text` (UTF-16) given a wrong client signature, as a damaged
    disk sector would: libpff then cannot read that property context or table."""
    out = bytearray(data)
    at = out.find(text.encode("utf-16-le")) // 64 * 64
    while not (out[at + 2] == 0xEC and out[at + 3] == client_signature):
        at -= 64  # blocks start on 64-byte boundaries, with their heap's header
    out[at + 3] = 0x00
    return bytes(out)


def test_a_damaged_letter_is_named_and_the_others_are_read(case: Case, tmp_path: Path) -> None:
    data = _break_heap_holding(write_pst(_letters()), "Subject: Meeting notes", 0xBC)
    result, listed = _ingest(case, tmp_path, data)
    assert sorted(d["message_id"] for d in listed if d["kind"] == "email") == [
        "<pst1@example.org>", "<pst3@example.org>", "<sent1@example.org>"]
    [problem] = result.problems
    assert problem.where == str(tmp_path / "outlook.pst")
    assert problem.message.startswith("message 2 in the folder 'Inbox' is damaged and cannot be read "
                                      "(unsupported table signature: 0x")


def test_a_folder_whose_list_of_letters_is_damaged_does_not_stop_the_others(case: Case, tmp_path: Path) -> None:
    data = _break_heap_holding(write_pst(_letters()), "Meeting notes", 0x7C)  # Inbox's contents table
    result, listed = _ingest(case, tmp_path, data)
    assert sorted(d["message_id"] for d in listed if d["kind"] == "email") == [
        "<pst3@example.org>", "<sent1@example.org>"]
    [problem] = result.problems
    assert problem.message.startswith("the folder 'Inbox' is damaged and its letters cannot be listed "
                                      "(unsupported table signature: 0x")


def test_an_attached_outlook_item_is_named_as_not_extracted_and_the_rest_is_read(case: Case, tmp_path: Path) -> None:
    inner = PstMessage("Пересланное письмо", "Текст пересланного письма.", message_id="<inner@example.org>")
    outer = PstMessage("Fwd", EN_TEXT, message_id="<outer@example.org>",
                       attachments=[PstAttachment("Пересланное письмо", message=inner),
                                    PstAttachment("notes.txt", b"Plain notes.\n", "text/plain")])
    result, listed = _ingest(case, tmp_path, write_pst([PstFolder("Inbox", [outer])]))
    [letter] = [d for d in listed if d["kind"] == "email"]
    assert [d["filename"] for d in listed if d["parent_id"] == letter["id"]] == ["notes.txt"]
    assert letter["status"] == "error"
    assert letter["error"] == ("attachment 1 ('Пересланное письмо') is an attached Outlook item (a forwarded letter "
                               "or other item); libpff-python cannot open such items, so it was not extracted (the "
                               "PST is kept as the original)")
    assert len(result.problems) == 1


def test_a_letter_whose_body_is_only_rtf_keeps_it_as_a_file_and_says_so(case: Case, tmp_path: Path) -> None:
    rtf = rb"{\rtf1\ansi\ansicpg1251 {\fonttbl\f0 Arial;}\f0 \'c4\'ee\'e1\'f0\'fb\'e9 \'e4\'e5\'ed\'fc.\par}"
    letter = PstMessage("RTF only", None, rtf_body=rtf, message_id="<rtf@example.org>")
    result, listed = _ingest(case, tmp_path, write_pst([PstFolder("Inbox", [letter])]))
    assert result.ok, result.problems
    [row] = [d for d in listed if d["kind"] == "email"]
    assert row["warning"] == "the letter's body exists only as RTF; it is kept as the attachment 'message body.rtf'"
    [body] = [d for d in listed if d["parent_id"] == row["id"]]
    assert body["filename"] == "message body.rtf"
    assert case.originals.read_bytes(body["sha256"]) == rtf


def _series(case: Case) -> dict[str, tuple[Any, ...]]:
    """Per Message-ID: subject, sender, date, status, first text and the attachments' names and statuses."""
    listed = list_dispatches(case)
    found = {}
    for d in listed:
        if d["kind"] == "email" and d["parent_id"] is None:
            texts = [text.strip() for text in _texts(case, d["id"])]
            files = sorted((c["filename"], c["status"]) for c in listed if c["parent_id"] == d["id"])
            found[d["message_id"]] = (d["subject"], d["sender"], d["date_utc"], d["status"], texts[:1], files)
    return found


def test_the_sample_series_from_a_pst_reads_as_it_does_from_its_emails(tmp_path: Path) -> None:
    """scripts/build-sample-pst writes sample letters as the recipient's Outlook keeps them (letter 5's body
    decoded with its wrong KOI8-R label, as Outlook does); ingested, each letter must equal its .eml."""
    numbers = ["01", "05", "08", "10", "13"]  # plain, mislabelled charset, PDF, DOCX, odd headers
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "recipient.pst"
    subprocess.run([sys.executable, str(root / "scripts" / "build-sample-pst"), str(out), *numbers], check=True,
                   capture_output=True)
    from_pst, from_mail = Case.init(tmp_path / "pst-case"), Case.init(tmp_path / "mail-case")
    try:
        assert ingest_paths(from_pst, [out], progress=False).ok
        mail = root / "src" / "leakdesk" / "sample" / "mail"
        ingest_paths(from_mail, [mail / f"{n}.eml" for n in numbers], progress=False)
        expected = _series(from_mail)
        assert len(expected) == len(numbers)
        assert _series(from_pst) == expected
    finally:
        from_pst.close()
        from_mail.close()


def test_an_older_ansi_pst_reads_as_the_unicode_one(tmp_path: Path) -> None:
    """Outlook 97-2002 files keep 8-bit strings in the letters' code page (here Windows-1251) without saying so at
    the file's level: folder names and subjects must not come out as Windows-1252 ("Ïðîåêòû")."""
    unicode, ansi = Case.init(tmp_path / "unicode"), Case.init(tmp_path / "ansi")
    try:
        for case, data in ((unicode, write_pst(_letters())), (ansi, write_pst(_letters(), ansi_codepage="cp1251"))):
            (tmp_path / "in").mkdir(exist_ok=True)
            path = tmp_path / "in" / "outlook.pst"
            path.write_bytes(data)
            assert ingest_paths(case, [path], progress=False).ok
        expected = _series(unicode)
        assert len(expected) == 4
        assert _series(ansi) == expected
        folders = {d["message_id"]: d["folder"] for d in list_dispatches(ansi) if d["kind"] == "email"}
        assert folders["<pst3@example.org>"] == "Inbox/Проекты"
    finally:
        unicode.close()
        ansi.close()


@pytest.mark.skipif(shutil.which("readpst") is None, reason="readpst (Debian pst-utils) is not installed")
def test_readpst_reads_our_ansi_pst(tmp_path: Path) -> None:
    path = tmp_path / "outlook.pst"
    path.write_bytes(write_pst(_letters(), ansi_codepage="cp1251"))
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["readpst", "-q", "-r", "-o", str(out), str(path)], check=True, capture_output=True)
    assert sorted(len(mailbox.mbox(p)) for p in out.rglob("mbox")) == [1, 1, 2]


def test_an_offline_ost_file_is_read_like_a_pst(case: Case, tmp_path: Path) -> None:
    result, listed = _ingest(case, tmp_path, write_pst(_letters(), ost=True), name="mailbox.ost")
    assert result.ok, result.problems
    assert sorted(d["message_id"] for d in listed if d["kind"] == "email") == [
        "<pst1@example.org>", "<pst2@example.org>", "<pst3@example.org>", "<sent1@example.org>"]
