"""What pypdf logs about a damaged PDF is recorded against the file (its dispatch's warning or error), never
printed on stderr (before: "EOF marker not found" on the terminal, attached to no file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.budget import worker
from leakdesk.store import tables as t
from tests.intake.conftest import pdf_bytes


@pytest.fixture(autouse=True)
def _fresh_worker() -> None:
    """The reader worker writes to the stderr it was started with: start it again under this test's capture."""
    worker().stop()


def _dispatch(case: Case) -> dict:  # type: ignore[type-arg]
    (row,) = list_dispatches(case)
    return row


def test_a_pdf_pypdf_repairs_is_read_with_its_repairs_as_warnings(case: Case, tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    good = pdf_bytes("Minutes of the board meeting")
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n99", good))  # a wrong pointer to the xref table
    result = ingest_paths(case, [pdf], progress=False)
    row = _dispatch(case)
    assert (row["status"], row["warning"]) == (
        "warning", "the pdf reader's library warned: incorrect startxref pointer(1); "
        "the pdf reader's library warned: parsing for Object Streams")
    assert [w.line() for w in result.warnings] == [f"{pdf}: {row['warning']}"]
    with case.connect() as conn:
        assert conn.execute(sa.select(t.text.c.content)).scalar_one() == "Minutes of the board meeting"
    assert capfd.readouterr().err == ""


def test_a_truncated_pdf_says_what_pypdf_noted_in_its_error(case: Case, tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    good = pdf_bytes("Minutes of the board meeting")
    pdf = tmp_path / "cut.pdf"
    pdf.write_bytes(good[: good.rindex(b"%%EOF")])
    ingest_paths(case, [pdf], progress=False)
    row = _dispatch(case)
    assert row["status"] == "error"
    assert row["error"].startswith("the PDF is damaged and its text cannot be read (")
    assert "; the pdf reader's library warned: EOF marker not found" in row["error"]
    assert capfd.readouterr().err == ""
