"""The digest ingest records for each new letter is hashed from the rows it wrote, without reading them back: it
must equal what `rows_digest` reads back from the database (SQLite plain and encrypted, and PostgreSQL)."""

from __future__ import annotations

import base64
from pathlib import Path

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.store import audit
from leakdesk.store import tables as t
from leakdesk.store.digests import rows_digest

ZONES = ["+0300", "-0500", "+0000", "+0545", None]


def _letter(i: int) -> bytes:
    zone = ZONES[i % len(ZONES)]
    date = f"Date: Tue, 03 Aug 2021 {i % 24:02d}:{i % 60:02d}:07 {zone}\n" if zone else ""
    head = (f"From: Sender {i} <s{i}@example.org>\nTo: desk@example.org\nSubject: Letter {i}\n{date}"
            f"Message-ID: <digest{i}@example.org>\nMIME-Version: 1.0\n")
    text = f"Letter {i}: the meeting moved to Friday.\n".encode()
    if i % 3 == 0:  # an attachment, and an attached message inside it
        inner = (f"From: inner{i}@example.org\nSubject: Inner {i}\nDate: Mon, 02 Aug 2021 10:00:00 +0200\n\n"
                 "An attached message.\n").encode()
        return (head + 'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\n').encode() \
            + text + b"\n--B\nContent-Type: application/octet-stream\nContent-Disposition: attachment; " \
            b"filename=\"notes.bin\"\nContent-Transfer-Encoding: base64\n\n" \
            + base64.encodebytes(bytes(range(256)) * 3) + b"\n--B\nContent-Type: message/rfc822\n\n" + inner \
            + b"\n--B--\n"
    return (head + "Content-Type: text/plain; charset=utf-8\n\n").encode() + text


def check_recorded_digests_equal_the_stored_rows(case: Case, tmp_path: Path) -> None:
    box = tmp_path / "letters.mbox"
    box.write_bytes(b"".join(f"From s{i}@example.org Tue Aug  3 14:05:00 2021\n".encode() + _letter(i) + b"\n"
                             for i in range(40)))
    result = ingest_paths(case, [box], progress=False)
    assert len(result.created) == 40 and result.children >= 26
    with case.connect() as conn:
        recorded = audit.verify_chain(conn, None).rows_digests
        assert set(recorded) >= set(result.created)
        for dispatch_id in result.created:
            assert recorded[dispatch_id][1] == rows_digest(conn, dispatch_id), dispatch_id
        assert conn.execute(sa.select(sa.func.count()).where(t.dispatch.c.date_utc.is_not(None))).scalar()
    assert case.fsck().ok


def test_recorded_digests_equal_the_stored_rows(case: Case, tmp_path: Path) -> None:
    check_recorded_digests_equal_the_stored_rows(case, tmp_path)
