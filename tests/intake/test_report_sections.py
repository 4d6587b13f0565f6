"""The intake sections of the case report (DKIM, OCR): read through store.records, rendered by Jinja, escaped."""

from __future__ import annotations

import sqlalchemy as sa

from leakdesk.intake import report
from leakdesk.store import tables as t
from tests.claims.conftest import add_letter

HOSTILE = "<script>alert(1)</script>&"


def test_ocr_section_lists_scans_and_escapes_their_names(case) -> None:  # type: ignore[no-untyped-def]
    assert report.ocr_section(case) is None
    first, _ = add_letter(case, "scanned words", subject="a")
    second, _ = add_letter(case, "more words", subject="b")
    with case.transaction() as conn:
        conn.execute(t.dispatch.update().where(t.dispatch.c.id == first).values(
            reader="image", filename=HOSTILE, details={"ocr": {"status": "ok", "pages": 1, "characters": 13,
                                                               "engine": "tesseract", "version": "5.3"}}))
        conn.execute(t.dispatch.update().where(t.dispatch.c.id == second).values(
            reader="pypdf", details={"ocr": {"status": "needs OCR", "reason": "no text layer"}}))
    section = report.ocr_section(case)
    assert section is not None and section.title == "Text read by OCR" and section.order == 13
    assert section.html.startswith("<p>2 scans and images read by OCR; 1 still need OCR "
                                   "(run <code>leakdesk dispatch ocr")
    assert ("<tr><td>1</td><td>&lt;script&gt;alert(1)&lt;/script&gt;&amp;</td><td>ok</td><td>1</td><td>13</td>"
            "<td>tesseract 5.3</td><td></td><td></td></tr>") in section.html
    assert "<td>2</td><td>b.txt</td><td>needs OCR</td>" in section.html and "no text layer" in section.html
    assert "<script>" not in section.html


def test_dkim_section_escapes_the_subject_and_the_signature(case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dispatch_id, _ = add_letter(case, "a signed letter", subject=HOSTILE)
    with case.connect() as conn:
        assert conn.execute(sa.select(t.dispatch.c.subject)).scalar() == HOSTILE
    verdicts = {dispatch_id: {"result": "fail", "engine": "dkimpy 1.1", "signatures": [
        {"kind": "DKIM", "domain": "<b>mail.example</b>", "selector": "s1", "result": "fail", "key_source": None,
         "reason": "body hash mismatch"}]}}
    monkeypatch.setattr(report, "latest_verdicts", lambda case: verdicts)
    section = report.dkim_section(case)
    assert section is not None and section.title == "Email signatures (DKIM and ARC)"
    assert section.html.startswith("<p>1 emails checked (1 fail), with dkimpy 1.1.")
    assert ("<tr><td>1</td><td>&lt;script&gt;alert(1)&lt;/script&gt;&amp;</td><td>DKIM</td>"
            "<td>&lt;b&gt;mail.example&lt;/b&gt;</td><td>s1</td><td>fail</td><td>no key found</td>"
            "<td>body hash mismatch</td></tr>") in section.html
    assert "<script>" not in section.html and "<b>" not in section.html
