"""Readers chosen by content: archives (libarchive), OpenDocument, .xlsx/.pptx, legacy Office, PST, .emlx, TNEF,
.ics/.vcf — each on files the tests write themselves."""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import libarchive
import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.registry import Source, default_registry
from leakdesk.store import tables as t
from tests.intake.conftest import EN_TEXT, RU_TEXT, docx_bytes, raw_message


def _ingest(case: Case, tmp_path: Path, name: str, data: bytes) -> tuple[Any, list[dict[str, Any]]]:
    path = tmp_path / name
    path.write_bytes(data)
    result = ingest_paths(case, [path], progress=False)
    return result, list_dispatches(case)


def _texts(case: Case, dispatch_id: int) -> list[tuple[str, str]]:
    with case.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(t.text.c.extractor, t.text.c.content)
                                               .where(t.text.c.dispatch_id == dispatch_id).order_by(t.text.c.id))]


def _row(case: Case, dispatch_id: int) -> Any:
    with case.connect() as conn:
        return conn.execute(sa.select(t.dispatch).where(t.dispatch.c.id == dispatch_id)).one()


def _chosen(name: str, data: bytes) -> str:
    return default_registry().choose(Source(filename=name, data=data)).name


# ---------------------------------------------------------------------- archives
def _tar(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("docs/link-to-passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    return out.getvalue()


def _libarchive(fmt: str, members: dict[str, bytes], folder: Path) -> bytes:
    path = folder / f"written.{fmt}"
    with libarchive.file_writer(str(path), fmt) as archive:
        for name, data in members.items():
            archive.add_file_from_memory(name, len(data), data)
    return path.read_bytes()


def test_tar_gz_members_become_dispatches_and_links_are_skipped(case: Case, tmp_path: Path) -> None:
    data = _tar({"docs/letter.txt": RU_TEXT.encode(), "docs/memo.docx": docx_bytes(EN_TEXT)})
    result, listed = _ingest(case, tmp_path, "leak.tar.gz", data)
    assert result.ok and result.containers == 1
    assert [(d["filename"], d["channel"], d["status"]) for d in listed] == [
        ("letter.txt", "archive", "ok"), ("memo.docx", "archive", "ok")]
    assert _texts(case, 1) == [("text", RU_TEXT)]
    with case.connect() as conn:
        locations = conn.execute(sa.select(t.custody.c.location).where(t.custody.c.dispatch_id.is_not(None))
                                 .order_by(t.custody.c.id)).scalars().all()
    assert locations == ["member 1", "member 2"]


@pytest.mark.parametrize(("fmt", "name"), [("7zip", "leak.7z"), ("cpio", "leak.cpio"), ("iso9660", "leak.iso"),
                                           ("ustar", "leak.tar")])
def test_other_archive_formats(case: Case, tmp_path: Path, fmt: str, name: str) -> None:
    data = _libarchive(fmt, {"LETTER.TXT": EN_TEXT.encode(), "NOTE.TXT": b"second file\n"}, tmp_path)
    assert _chosen("no-extension", data) == "libarchive"  # by content, not by name
    result, listed = _ingest(case, tmp_path, name, data)
    assert result.ok, result.problems
    assert sorted(str(d["filename"]).upper().split(";")[0] for d in listed) == ["LETTER.TXT", "NOTE.TXT"]
    assert any(c[1] == EN_TEXT for d in listed for c in _texts(case, d["id"]))


def test_single_gzip_file_is_one_member_named_without_gz(case: Case, tmp_path: Path) -> None:
    result, listed = _ingest(case, tmp_path, "letter.txt.gz", gzip.compress(EN_TEXT.encode()))
    assert result.ok and [d["filename"] for d in listed] == ["letter.txt"]
    assert _texts(case, 1) == [("text", EN_TEXT)]


def test_archive_bomb_and_damaged_archive(case: Case, tmp_path: Path) -> None:
    result, _ = _ingest(case, tmp_path, "bomb.tar.gz", _tar({"zeros.bin": b"\0" * (20 * 1024**2)}))
    [problem] = result.problems
    assert problem.message.startswith("member 'zeros.bin' expands beyond ")
    assert problem.message.endswith("(the archive's limit of 200 times its size); not extracted: this looks like an "
                                    "archive bomb")
    result, listed = _ingest(case, tmp_path, "broken.7z", b"7z\xbc\xaf\x27\x1c" + b"\x00\x04" + b"garbage" * 20)
    assert listed[-1]["status"] == "error" and listed[-1]["filename"] == "broken.7z"
    assert listed[-1]["error"].startswith("not a readable archive (")


# ---------------------------------------------------------------------- OpenDocument, OOXML
def _odf(content: str, media: str = "application/vnd.oasis.opendocument.text", encrypted: bool = False) -> bytes:
    out = io.BytesIO()
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), media)  # stored, first, as the standard requires
        z.writestr("content.xml", f'<?xml version="1.0"?><office:document-content {ns}><office:body>'
                                  f"{content}</office:body></office:document-content>")
        z.writestr("meta.xml", '<?xml version="1.0"?><office:document-meta '
                               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                               'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
                               'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
                               "<meta:initial-creator>I. Petrova</meta:initial-creator><dc:creator>K. Orlov"
                               "</dc:creator></office:meta></office:document-meta>")
        z.writestr("Pictures/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
        manifest = '<manifest:encryption-data/>' if encrypted else ""
        z.writestr("META-INF/manifest.xml", f'<manifest:manifest xmlns:manifest="x">{manifest}</manifest:manifest>')
    return out.getvalue()


def test_odt_text_metadata_and_no_zip_noise(case: Case, tmp_path: Path) -> None:
    body = ("<office:text><text:h>Отчёт</text:h><text:p>Первая<text:s text:c=\"2\"/>строка"
            "<text:tab/>и <text:span>вторая</text:span>.</text:p></office:text>")
    result, listed = _ingest(case, tmp_path, "report.zip", _odf(body))  # misnamed: read by content
    assert result.ok and len(listed) == 1 and listed[0]["media_type"] == "application/vnd.oasis.opendocument.text"
    assert _texts(case, 1) == [("opendocument", "Отчёт\nПервая  строка\tи вторая.")]
    details = _row(case, 1).details
    assert details["metadata"] == {"initial-creator": "I. Petrova", "creator": "K. Orlov"}
    assert details["pictures"] == 1


def test_ods_rows_and_encrypted_odf(case: Case, tmp_path: Path) -> None:
    sheet = ("<office:spreadsheet><table:table><table:table-row><table:table-cell><text:p>Дата</text:p>"
             "</table:table-cell><table:table-cell><text:p>Сумма</text:p></table:table-cell></table:table-row>"
             "<table:table-row><table:table-cell><text:p>12.03</text:p></table:table-cell><table:table-cell>"
             "<text:p>4 500 000</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>")
    _ingest(case, tmp_path, "sums.ods", _odf(sheet, "application/vnd.oasis.opendocument.spreadsheet"))
    assert _texts(case, 1) == [("opendocument", "Дата\tСумма\n12.03\t4 500 000")]
    _, listed = _ingest(case, tmp_path, "locked.odt", _odf("<office:text/>", encrypted=True))
    assert listed[-1]["error"] == "the OpenDocument file is password-protected; its text cannot be read"


def _xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Платежи"
    sheet.append(["Дата", "Сумма", "Банк"])
    sheet.append(["2021-08-14", 4500000, "Limassol"])
    book.properties.creator = "A. Buhgalter"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_goes_to_openpyxl_not_the_word_reader(case: Case, tmp_path: Path) -> None:
    assert _chosen("payments.docx", _xlsx()) == "openpyxl"
    result, listed = _ingest(case, tmp_path, "payments.xlsx", _xlsx())
    assert result.ok and listed[0]["media_type"].endswith("spreadsheetml.sheet")
    assert _texts(case, 1) == [("openpyxl", "# Платежи\nДата\tСумма\tБанк\n2021-08-14\t4500000\tLimassol")]
    assert _row(case, 1).details["metadata"]["creator"] == "A. Buhgalter"


def test_pptx_slides_in_order(case: Case, tmp_path: Path) -> None:
    a = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("ppt/presentation.xml", "<p/>")
        for n, words in ((2, "Second: the money"), (10, "Tenth: the end"), (1, "First: the plan")):
            z.writestr(f"ppt/slides/slide{n}.xml", f"<sld {a}><a:p><a:r><a:t>{words}</a:t></a:r></a:p></sld>")
    _ingest(case, tmp_path, "deck.pptx", out.getvalue())
    assert _texts(case, 1) == [("pptx", "# Slide 1\nFirst: the plan\n\n# Slide 2\nSecond: the money\n\n"
                                        "# Slide 10\nTenth: the end")]


# ---------------------------------------------------------------------- legacy Office and Outlook
def _xls() -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Лист1")
    for col, value in enumerate(("Получатель", "Сумма")):
        sheet.write(0, col, value)
    sheet.write(1, 0, "ООО Ромашка")
    sheet.write(1, 1, 1200000)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _renamed_stream(ole: bytes, name: str) -> bytes:
    """An OLE2 file whose 'Workbook' stream is renamed (a Word or PowerPoint file's stream, in name only)."""
    old = "Workbook".encode("utf-16-le") + b"\0\0"
    at = ole.index(old)
    new = (name.encode("utf-16-le") + b"\0\0").ljust(64, b"\0")
    return ole[:at] + new + struct.pack("<H", len(name) * 2 + 2) + ole[at + 66:]


def test_xls_goes_to_the_legacy_office_reader_whatever_its_name(case: Case, tmp_path: Path) -> None:
    assert _chosen("budget.msg", _xls()) == "legacy-office"
    result, listed = _ingest(case, tmp_path, "budget.xls", _xls())
    assert result.ok and listed[0]["media_type"] == "application/vnd.ms-excel"
    [(extractor, content)] = _texts(case, 1)
    assert extractor == "xls2csv" and "Получатель" in content and "ООО Ромашка" in content and "1200000" in content


def test_unreadable_doc_and_encrypted_ooxml_say_so_in_one_line(case: Case, tmp_path: Path) -> None:
    fake_doc = _renamed_stream(_xls(), "WordDocument")
    assert _chosen("letter.doc", fake_doc) == "legacy-office"
    _, listed = _ingest(case, tmp_path, "letter.doc", fake_doc)
    assert listed[-1]["status"] == "error" and listed[-1]["error"].startswith("the Word document could not be read (")

    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(_xlsx())).encrypt("secret", encrypted)
    assert _chosen("payments.xlsx", encrypted.getvalue()) == "legacy-office"
    _, listed = _ingest(case, tmp_path, "payments.xlsx", encrypted.getvalue())
    assert listed[-1]["error"] == "the Office document is password-protected (encrypted); its text cannot be read"


def test_damaged_pst_is_refused_in_one_line_naming_the_file(case: Case, tmp_path: Path) -> None:
    result, listed = _ingest(case, tmp_path, "outlook.pst", b"!BDN" + b"\x00" * 600)
    assert [(d["filename"], d["status"]) for d in listed] == [("outlook.pst", "error")]
    assert listed[0]["error"].startswith("the Outlook data file is damaged or encrypted and cannot be opened (")
    assert [p.where for p in result.problems] == [str(tmp_path / "outlook.pst")]


# ---------------------------------------------------------------------- mail wrappers, calendars, contacts
def test_emlx_is_read_as_the_message_inside(case: Case, tmp_path: Path) -> None:
    message = raw_message(EN_TEXT.encode() + b"\n")
    plist = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>flags</key>'
             b"<integer>8590195713</integer></dict></plist>\n")
    result, listed = _ingest(case, tmp_path, "12345.emlx", f"{len(message)}\n".encode() + message + plist)
    assert result.ok and listed[0]["kind"] == "email" and listed[0]["subject"] == "Test letter"
    assert _row(case, 1).details["emlx"] == {"flags": "8590195713"}
    _, listed = _ingest(case, tmp_path, "cut.emlx", b"9999\n" + message)
    assert listed[-1]["error"] == (f"the .emlx file is cut short: it announces 9,999 bytes of message but holds "
                                   f"{len(message):,}")


def _tnef(body: bytes, attachments: dict[str, bytes]) -> bytes:
    def record(level: int, name: int, kind: int, data: bytes) -> bytes:
        return (struct.pack("<BHHI", level, name, kind, len(data)) + data
                + struct.pack("<H", sum(data) & 0xFFFF))

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += record(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
    out += record(1, 0x800C, 0x0002, body)  # attBody
    for name, data in attachments.items():
        out += record(2, 0x9002, 0x0006, b"\0" * 14)  # attAttachRendData starts an attachment
        out += record(2, 0x8010, 0x0001, name.encode() + b"\0")  # attAttachTitle
        out += record(2, 0x800F, 0x0006, data)  # attAttachData
    return out


def test_tnef_winmail_dat_body_and_attachments(case: Case, tmp_path: Path) -> None:
    data = _tnef(b"Please see the scan.", {"contract.txt": RU_TEXT.encode()})
    assert _chosen("winmail.dat", data) == "tnefparse"
    result, listed = _ingest(case, tmp_path, "winmail.dat", data)
    assert result.ok, result.problems
    assert [(d["filename"], d["parent_id"]) for d in listed] == [("winmail.dat", None), ("contract.txt", 1)]
    assert _texts(case, 1) == [("tnefparse", "Please see the scan.")]
    assert _texts(case, 2) == [("text", RU_TEXT)]


def test_ics_and_vcf(case: Case, tmp_path: Path) -> None:
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//desk//test//EN\r\nBEGIN:VEVENT\r\nUID:m1@example.org\r\n"
           "DTSTART:20210814T090000Z\r\nDTEND:20210814T100000Z\r\nSUMMARY:Встреча в банке\r\n"
           "LOCATION:Limassol\r\nORGANIZER:mailto:boss@example.org\r\nATTENDEE:mailto:insider@example.org\r\n"
           "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    assert _chosen("invite.eml", ics) == "icalendar"
    result, listed = _ingest(case, tmp_path, "invite.ics", ics)
    assert result.ok and listed[0]["kind"] == "file" and listed[0]["media_type"] == "text/calendar"
    assert _texts(case, 1) == [("icalendar", "# Event\nSummary: Встреча в банке\nStarts: 2021-08-14T09:00:00+00:00\n"
                                             "Ends: 2021-08-14T10:00:00+00:00\nLocation: Limassol\n"
                                             "Organizer: boss@example.org\nAttendee: insider@example.org\n"
                                             "UID: m1@example.org")]
    vcf = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ирина Соколова\r\nN:Соколова;Ирина;;;\r\nORG:ООО Ромашка\r\n"
           "EMAIL:irina@example.org\r\nTEL:+7 495 000 00 00\r\nEND:VCARD\r\n").encode()
    _ingest(case, tmp_path, "contacts.vcf", vcf)
    assert _texts(case, 2) == [("vobject", "# Contact\nName: Ирина Соколова\nOrganisation: ООО Ромашка\n"
                                           "Email: irina@example.org\nPhone: +7 495 000 00 00")]
    assert _row(case, 2).details == {"contacts": 1}


def test_document_readers_run_within_the_per_file_budget(case: Case, tmp_path: Path) -> None:
    from leakdesk.intake import Limits

    for name in ("opendocument", "openpyxl", "pptx", "legacy-office", "icalendar", "vobject", "image"):
        assert default_registry().by_name(name).isolated, name
    (tmp_path / "big.ods").write_bytes(_odf("<office:spreadsheet/>" + "<!-- padding -->" * 400,
                                            "application/vnd.oasis.opendocument.spreadsheet"))
    ingest_paths(case, [tmp_path / "big.ods"], progress=False, limits=Limits(max_document_bytes=1000))
    [row] = list_dispatches(case)
    assert row["status"] == "error" and "limit" in row["error"] and row["error"].endswith("the original is kept")
