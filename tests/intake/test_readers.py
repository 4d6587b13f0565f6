"""The registry picks the right reader; each reader extracts what it should."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.registry import Source, default_registry
from leakdesk.store import tables as t
from tests.intake.conftest import EN_TEXT, RU_TEXT, docx_bytes, mbox_bytes, pdf_bytes, raw_message, zip_bytes


@pytest.mark.parametrize(
    ("name", "data", "media_type", "reader"),
    [
        ("a.eml", raw_message(), None, "eml"),
        ("noext", raw_message(), None, "eml"),
        ("a.txt", raw_message(), None, "eml"),  # content wins over a misleading extension
        ("a.mbox", mbox_bytes([raw_message()]), None, "mbox"),
        ("a.pdf", pdf_bytes("x"), None, "pypdf"),
        ("doc", pdf_bytes("x"), None, "pypdf"),
        ("a.docx", docx_bytes("x"), None, "python-docx"),
        ("a.zip", zip_bytes({"a.txt": b"x"}), None, "zip"),
        ("a.html", b"<p>hi</p>", None, "html"),
        ("x", b"<!DOCTYPE html><html><body>x</body></html>", None, "html"),
        ("notes.md", b"# Notes\nsome text", None, "text"),
        ("part", b"plain words", "text/plain; charset=utf-8", "text"),
        ("a.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, None, "extract-msg"),
        ("fake.pdf", b"just some words", None, "pypdf"),  # the extension decides; the reader then reports it
        ("blob.bin", bytes(range(256)), None, "unknown"),
    ],
)
def test_registry_choice(name: str, data: bytes, media_type: str | None, reader: str) -> None:
    assert default_registry().choose(Source(filename=name, data=data, media_type=media_type)).name == reader


def _texts(case: Case) -> list[dict]:
    with case.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t.text).order_by(t.text.c.id))]


def test_documents_give_text_with_extractor_and_version(case: Case, inbox: Path) -> None:
    (inbox / "minutes.pdf").write_bytes(pdf_bytes("Minutes of the board meeting in August"))
    (inbox / "letter.docx").write_bytes(docx_bytes(RU_TEXT, author="Petrov"))
    (inbox / "page.html").write_bytes(
        b"<html><head><style>p{}</style></head><body><script>alert(1)</script><p>Visible words here</p></body></html>"
    )
    (inbox / "note.md").write_bytes(EN_TEXT.encode())
    result = ingest_paths(case, [inbox], progress=False)
    assert result.ok, result.problems
    by_file = {d["filename"]: d for d in list_dispatches(case)}
    texts = {row["dispatch_id"]: row for row in _texts(case)}
    pdf = texts[by_file["minutes.pdf"]["id"]]
    assert pdf["content"] == "Minutes of the board meeting in August"
    assert (pdf["extractor"], pdf["extractor_version"]) == ("pypdf", "7.1.1")
    docx = texts[by_file["letter.docx"]["id"]]
    assert docx["content"] == RU_TEXT and docx["language"] == "ru" and docx["extractor"] == "python-docx"
    html = texts[by_file["page.html"]["id"]]
    assert html["content"] == "Visible words here" and html["extractor"] == "lxml-text"
    assert texts[by_file["note.md"]["id"]]["language"] == "en"
    with case.connect() as conn:
        details = conn.execute(sa.select(t.dispatch.c.details).where(t.dispatch.c.filename == "letter.docx")).scalar()
    assert details["metadata"]["author"] == "Petrov"


def test_mbox_messages_become_top_level_dispatches_and_the_mbox_an_original(case: Case, inbox: Path) -> None:
    messages = [raw_message(f"Letter number {i} about the meeting.\n".encode(), message_id=f"<m{i}@x>")
                for i in range(5)]
    path = inbox / "box.mbox"
    path.write_bytes(mbox_bytes(messages))
    result = ingest_paths(case, [path], progress=False)
    assert result.ok and result.containers == 1 and len(result.created) == 5
    rows = list_dispatches(case)
    assert [r["message_id"] for r in rows] == [f"<m{i}@x>" for i in range(5)]
    assert all(r["parent_id"] is None for r in rows)
    # each message's bytes are what mailbox.mbox gives for it
    box = mailbox.mbox(str(path))
    for row, key in zip(rows, box.keys(), strict=True):
        assert case.originals.read_bytes(row["sha256"]) == box.get_bytes(key)
    with case.connect() as conn:
        custody = conn.execute(sa.select(t.custody).order_by(t.custody.c.id)).all()
    assert custody[0].event == "container" and custody[0].dispatch_id is None
    assert [c.location for c in custody[1:]] == [f"message {i}" for i in range(1, 6)]


def test_maildir_folder(case: Case, tmp_path: Path) -> None:
    box = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    for i in range(3):
        box.add(raw_message(message_id=f"<md{i}@x>"))
    result = ingest_paths(case, [tmp_path / "Maildir"], progress=False)
    assert result.ok and len(result.created) == 3
    assert {r["channel"] for r in list_dispatches(case)} == {"maildir"}


def test_zip_members_go_back_through_the_registry(case: Case, inbox: Path) -> None:
    inner = zip_bytes({"deep/report.pdf": pdf_bytes("Inner report text")})
    (inbox / "bundle.zip").write_bytes(zip_bytes({"letter.eml": raw_message(), "inner.zip": inner}))
    result = ingest_paths(case, [inbox], progress=False)
    assert result.ok, result.problems
    rows = {r["filename"]: r for r in list_dispatches(case)}
    assert rows["letter.eml"]["kind"] == "email" and rows["letter.eml"]["parent_id"] is None
    assert rows["report.pdf"]["parent_id"] == rows["inner.zip"]["id"]


def test_msg_without_the_extra_is_kept_and_explained(case: Case, inbox: Path) -> None:
    pytest.importorskip("leakdesk")  # always there; the point is extract_msg is absent in the default install
    try:
        import extract_msg  # noqa: F401

        pytest.skip("extract-msg is installed here")
    except ImportError:
        pass
    (inbox / "mail.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = ingest_paths(case, [inbox], progress=False)
    assert [p.message for p in result.problems] == [
        "reading Outlook .msg files needs the optional extra 'msg' (pip install 'leakdesk[msg]'); "
        "the file is kept as an original but its content was not read"
    ]
