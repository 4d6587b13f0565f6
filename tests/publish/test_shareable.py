"""Reports a desk can send: self-contained (images embedded, nothing loaded from outside), no local paths, addresses
and exposure values withheld unless chosen, redactions applied, and a PDF made with WeasyPrint."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.errors import LeakdeskError
from leakdesk.publish.exposure import exposure_check
from leakdesk.publish.redact import add_term, propose
from leakdesk.publish.sections import ReportSection
from leakdesk.publish.shareable import case_report, inline_files, publication_report, withhold
from tests.conftest import invoke
from tests.publish.test_exposure import storm_case  # noqa: F401  (fixture)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a0a5dc6b0000000049454e44ae426082")


def _external(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["'](?!data:|#)([^"']+)""", page)


def test_inline_files_and_withhold(tmp_path: Path) -> None:
    (tmp_path / "heat.png").write_bytes(PNG)
    page = inline_files('<img src="heat.png">', {"heat.png": tmp_path / "heat.png"})
    assert page.startswith('<img src="data:image/png;base64,iVBOR')
    text = "<p>from Буря &lt;burya@mail.example&gt;, /home/desk/inbox/1.eml, C:\\Users\\olga\\1.eml</p>" + page
    out = withhold(text, False, tmp_path / "case")
    assert "burya@mail.example" not in out and "[address withheld]" in out
    assert "/home/desk" not in out and "[local path withheld] 1.eml" in out and "Users" not in out
    assert out.endswith(page)  # the embedded picture is untouched
    assert "burya@mail.example" in withhold(text, True, tmp_path / "case")


def test_case_report_is_self_contained_and_withholds(storm_case: Case, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                                     tmp_path: Path) -> None:
    (tmp_path / "heat.png").write_bytes(PNG)
    import leakdesk.publish.report as report

    real = report.collect_sections

    def with_picture(case, providers=None):  # type: ignore[no-untyped-def]
        sections, warnings = real(case, providers)
        sections.append(ReportSection("Picture", '<img src="heat.png" alt="heat map">', 95,
                                      {"heat.png": tmp_path / "heat.png"}))
        return sections, warnings

    monkeypatch.setattr("leakdesk.publish.shareable.collect_sections", with_picture)
    exposure_check(storm_case, "Буря")
    done = case_report(storm_case, pdf=True)
    page = Path(done.html).read_text("utf-8")
    assert _external(page) == [] and "<script" not in page and "<link" not in page
    assert 'src="data:image/png;base64,' in page
    assert str(storm_case.root) not in page and "/inbox/" not in page
    assert "burya@mail.example" not in page and "a.orlov" not in page and "SN-4711-0815" not in page
    assert "[withheld]" in page
    pdf_text = subprocess.run(["pdftotext", done.pdf, "-"], capture_output=True, text=True, check=True).stdout
    assert "Exposure check" in pdf_text and "a.orlov" not in pdf_text
    shown = Path(case_report(storm_case, with_addresses=True).html).read_text("utf-8")
    assert "a.orlov" in shown and "burya@mail.example" in shown


def test_publication_report_summary_first_redacted(storm_case: Case) -> None:  # noqa: F811
    add_term(storm_case, "Письмо", "Dispatch", "Буря")  # the subjects are "Письмо 1" … "Письмо 4"
    exposure_check(storm_case, "Буря")
    done = publication_report(storm_case, "Буря", redacted=True, pdf=True)
    page = Path(done.html).read_text("utf-8")
    assert page.index("<h2>Summary") < page.index("<h2>Each letter") < page.index("<h2>Custody and hashes")
    assert "4 letters" in page and "not checked yet" in page
    assert "Письмо" not in page and "<td>Dispatch 1</td>" in page
    assert "ranks the series&#39; writer 1" in page
    assert _external(page) == [] and Path(done.pdf).read_bytes()[:5] == b"%PDF-"


def test_redacted_report_waits_for_review(storm_case: Case) -> None:  # noqa: F811
    with storm_case.transaction() as conn:
        from leakdesk.store import tables as t
        from tests.publish.conftest import NOW

        entity = conn.execute(t.entity.insert().values(type="PER", name="Сидоров", key="sidorov", created=NOW)
                              ).inserted_primary_key[0]
        conn.execute(t.mention.insert().values(entity_id=entity, dispatch_id=1, start_char=0, end_char=7,
                                               surface="Сидоров", method="test", created=NOW))
    assert propose(storm_case, "Буря")
    with pytest.raises(LeakdeskError, match="still wait for review"):
        publication_report(storm_case, "Буря", redacted=True)


def test_cli_share_report(storm_case: Case, runner) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    result = invoke(runner, "share-report", storm_case.root, "--publication", "--series", "Буря")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("exports/reports/publication-Буря.html")
    result = invoke(runner, "share-report", storm_case.root, "--publication")
    assert result.exit_code == 2 and "The publication report is about one series; name it with --series." in (
        result.output)
