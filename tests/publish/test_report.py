"""The HTML case report: the core section from the store, provider sections, files, escaping, CLI."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.errors import LeakdeskError
from leakdesk.publish.report import SECTION_PROVIDERS, build_report, case_overview, collect_sections, write_report
from leakdesk.store import tables as t
from tests.conftest import invoke


def row_html(html: str, dispatch_id: int) -> str:
    match = re.search(rf'<tr id="dispatch-{dispatch_id}".*?</tr>', html, re.S)
    assert match, f"dispatch {dispatch_id} is not in the report"
    return match.group(0)


def provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> str:
    """Write a provider module `name` on a temporary import path."""
    folder = tmp_path / "providers"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(body), "utf-8")
    monkeypatch.syspath_prepend(str(folder))
    return name


def test_providers_are_listed_in_one_place() -> None:
    assert SECTION_PROVIDERS == [
        "leakdesk.intake.report", "leakdesk.language.report", "leakdesk.authorship.report", "leakdesk.claims.report",
        "leakdesk.narratives.report",
        "leakdesk.publish.exposure_section",
    ]


def test_empty_case_report(case) -> None:  # type: ignore[no-untyped-def]
    path = write_report(case)
    assert path == case.reports / "report.html"
    html = path.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "The case holds no dispatches yet" in html
    assert "<link" not in html and "<script" not in html  # self-contained


def test_core_section_lists_every_dispatch_with_custody(small_case) -> None:  # type: ignore[no-untyped-def]
    case, ids = small_case.case, small_case.ids
    html = write_report(case).read_text("utf-8")
    with case.connect() as conn:
        shas = dict(conn.execute(sa.select(t.dispatch.c.id, t.dispatch.c.original_sha256)).all())
    for name, dispatch_id in ids.items():
        row = row_html(html, dispatch_id)
        assert shas[dispatch_id] in row, name
        assert "2026-01-05 12:00:00 UTC · received · eml · tester" in row
    assert "/inbox/one.eml" in row_html(html, ids["plain"])
    assert "/inbox/one-copy.eml" in row_html(html, ids["variant"])
    assert "Wind" in row_html(html, ids["plain"]) and ">ru<" in row_html(html, ids["plain"])


def test_variant_pgp_charset_and_errors_are_flagged(small_case) -> None:  # type: ignore[no-untyped-def]
    case, ids = small_case.case, small_case.ids
    html = write_report(case).read_text("utf-8")
    variant = row_html(html, ids["variant"])
    assert f'variant</span> of <a href="#dispatch-{ids["plain"]}">' in variant
    assert "possible tampering" in variant
    assert f'href="#dispatch-{ids["variant"]}"' in row_html(html, ids["plain"])  # the original links its variant
    assert "PGP: decrypted" in row_html(html, ids["encrypted"])
    broken = row_html(html, ids["broken"])
    assert "PGP: not-decrypted" in broken and "no secret key for 0x1234" in broken
    assert "the MIME structure is broken (no closing boundary)" in broken and 'class="tag bad">error<' in broken
    assert "body: cp1251" in row_html(html, ids["plain"]) and "detected cp1251" in html
    attachment = row_html(html, ids["attachment"])
    assert 'class="attachment' in attachment and f"#{ids['encrypted']}" in attachment and "справка.pdf" in attachment


def test_values_from_the_store_are_escaped(small_case) -> None:  # type: ignore[no-untyped-def]
    html = write_report(small_case.case).read_text("utf-8")
    assert "<b>первое</b>" not in html
    assert "Письмо &lt;b&gt;первое&lt;/b&gt;" in html


def test_overview_counts(small_case) -> None:  # type: ignore[no-untyped-def]
    view = case_overview(small_case.case)
    assert (
        view.dispatches,
        view.attachments,
        view.errors,
        view.warnings,
        view.variants,
        view.decrypted,
        view.not_decrypted,
        view.charset_detected,
    ) == (4, 1, 1, 0, 1, 1, 1, 1)
    assert view.languages == {"ru": 4} and view.series == {"Wind": 4}


def test_report_is_audited(small_case) -> None:  # type: ignore[no-untyped-def]
    case = small_case.case
    write_report(case)
    with case.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(t.audit).order_by(t.audit.c.seq))]
        obj = conn.execute(sa.select(t.audit.c.object).where(t.audit.c.action == "report.write")).scalar_one()
    assert actions[-1] == "report.write" and obj == "reports/report.html"


def test_provider_sections_are_ordered_and_their_images_copied(case, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    image = tmp_path / "plot.svg"
    image.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", "utf-8")
    late = provider(
        tmp_path,
        monkeypatch,
        "ldtest_late",
        f"""
        from pathlib import Path
        from leakdesk.sections import ReportSection
        def sections(case):
            return [ReportSection("Claims", "<p>claims here</p><img src='plot.svg'>", 40,
                                  {{"plot.svg": Path({str(image)!r})}})]
        """,
    )
    early = provider(
        tmp_path,
        monkeypatch,
        "ldtest_early",
        """
        from leakdesk.sections import ReportSection
        def sections(case):
            return [ReportSection("Translations", "<p>translations here</p>", 20)]
        """,
    )
    result = build_report(case, providers=[late, early])
    assert result.sections == ["Dispatches and chain of custody", "Translations", "Claims"]
    assert result.warnings == []
    assert (case.reports / "plot.svg").read_text("utf-8") == image.read_text("utf-8")
    html = result.path.read_text("utf-8")
    assert html.index("translations here") < html.index("claims here")


def test_a_section_file_already_next_to_the_report_is_kept(case, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    case.reports.mkdir(exist_ok=True)
    (case.reports / "heat.png").write_bytes(b"png bytes")
    name = provider(
        tmp_path,
        monkeypatch,
        "ldtest_in_place",
        f"""
        from pathlib import Path
        from leakdesk.sections import ReportSection
        HEAT = Path({str(case.reports / "heat.png")!r})
        def sections(case):
            return [ReportSection("Authorship", "<img src='heat.png'>", 30, {{"heat.png": HEAT}})]
        """,
    )
    build_report(case, providers=[name])
    assert (case.reports / "heat.png").read_bytes() == b"png bytes"


def test_a_provider_missing_a_dependency_is_not_silently_skipped(case, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    name = provider(tmp_path, monkeypatch, "ldtest_needs_missing", "import ldtest_no_such_dependency\n")
    with pytest.raises(ModuleNotFoundError, match="ldtest_no_such_dependency"):
        collect_sections(case, providers=[name])
    with pytest.raises(ModuleNotFoundError, match="ldtest_not_installed"):  # no provider is optional any more
        collect_sections(case, providers=["ldtest_not_installed"])


def test_a_failing_provider_becomes_a_visible_warning(case, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    name = provider(
        tmp_path,
        monkeypatch,
        "ldtest_failing",
        """
        from leakdesk.errors import ClaimsError
        def sections(case):
            raise ClaimsError("The claims of dispatch 3 could not be read.")
        """,
    )
    result = build_report(case, providers=[name])
    assert result.warnings == [
        f"The report section from {name} could not be built: The claims of dispatch 3 could not be read."
    ]
    assert "The claims of dispatch 3 could not be read." in result.path.read_text("utf-8")


def test_a_section_file_may_not_leave_the_report_folder(case, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "x.png").write_bytes(b"png")
    name = provider(
        tmp_path,
        monkeypatch,
        "ldtest_escape",
        f"""
        from pathlib import Path
        from leakdesk.sections import ReportSection
        def sections(case):
            return [ReportSection("Bad", "", 50, {{"../escaped.png": Path({str(tmp_path / "x.png")!r})}})]
        """,
    )
    with pytest.raises(LeakdeskError, match=r"names a file '\.\./escaped\.png' outside the report folder"):
        build_report(case, providers=[name])
    assert not (case.root / "escaped.png").exists()


def test_real_providers_do_not_break_the_report(small_case) -> None:  # type: ignore[no-untyped-def]
    result = build_report(small_case.case)
    assert result.sections[0] == "Dispatches and chain of custody"
    assert result.warnings == []


# --------------------------------------------------------------------------- CLI


def test_cli_report_prints_the_path(runner, small_case) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "report", small_case.case.root)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(small_case.case.root / "reports" / "report.html")
    assert (small_case.case.root / "reports" / "report.html").is_file()


def test_cli_report_json(runner, small_case) -> None:  # type: ignore[no-untyped-def]
    import json

    result = invoke(runner, "report", small_case.case.root, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["report"].endswith("report.html") and data["sections"][0] == "Dispatches and chain of custody"


def test_cli_report_when_the_report_folder_cannot_be_written(runner, small_case) -> None:  # type: ignore[no-untyped-def]
    reports = small_case.case.root / "reports"
    reports.rmdir()
    reports.write_text("a file where the reports folder should be", "utf-8")
    result = invoke(runner, "report", small_case.case.root)
    assert result.exit_code == 1
    assert f"The report folder {reports} cannot be written" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_cli_report_on_a_folder_that_is_not_a_case(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "report", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "not a leakdesk case folder (run `leakdesk case init` first)" in result.output
    assert "Traceback" not in result.output
