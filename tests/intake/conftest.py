"""Inputs for intake tests, written by the tests themselves (never copied from evaluation corpora)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from leakdesk.store.originals import Digests

RU_TEXT = (
    "Добрый день. Посылаю вам отчёт о встрече в Москве: деньги переведены через банк в августе, "
    "подписи стоят на всех документах. Не звоните мне на рабочий телефон."
)
EN_TEXT = "Good afternoon. I am sending you the report of the meeting; the money was transferred in August."


def raw_message(
    body: bytes = b"Hello there, this is a plain test letter written in English.\n",
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "text/plain; charset=utf-8",
    cte: str = "8bit",
    message_id: str = "<t1@example.org>",
) -> bytes:
    """A single-part message built byte by byte (so tests control every header exactly)."""
    hs = {
        "From": "Insider <insider@example.org>",
        "To": "Desk <desk@example.org>",
        "Subject": "Test letter",
        "Date": "Tue, 03 Aug 2021 14:05:00 +0300",
        "Message-ID": message_id,
        "MIME-Version": "1.0",
        "Content-Type": content_type,
        "Content-Transfer-Encoding": cte,
    }
    hs.update(headers or {})
    head = b"".join(f"{k}: {v}\n".encode("utf-8", "surrogateescape") for k, v in hs.items() if v is not None)
    return head + b"\n" + body


def with_attachment(data: bytes, filename: str, maintype: str = "application", subtype: str = "octet-stream",
                    *, message_id: str = "<att@example.org>", text: str = EN_TEXT) -> bytes:
    m = EmailMessage()
    m["From"] = "insider@example.org"
    m["To"] = "desk@example.org"
    m["Subject"] = "With attachment"
    m["Date"] = "Wed, 04 Aug 2021 09:00:00 +0000"
    m["Message-ID"] = message_id
    m.set_content(text)
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(m)


def docx_bytes(text: str, author: str = "A. Writer") -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.author = author
    for para in text.split("\n"):
        document.add_paragraph(para)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF with a real text layer, written by hand (ASCII text only)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def mbox_bytes(messages: list[bytes]) -> bytes:
    parts = []
    for i, m in enumerate(messages):
        parts.append(f"From sender{i}@example.org Tue Aug  3 14:05:00 2021\n".encode() + m.rstrip(b"\n") + b"\n\n")
    return b"".join(parts)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


class MemoryStore:
    """A reader's `store_chunks` for tests: keeps each stored part in memory under its SHA-256."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    def __call__(self, chunks: Iterator[bytes]) -> Digests:
        data = b"".join(chunks)
        sha = hashlib.sha256(data).hexdigest()
        self.stored[sha] = data
        return Digests(sha, hashlib.sha1(data).hexdigest(), hashlib.md5(data).hexdigest(), len(data))
