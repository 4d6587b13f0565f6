"""`leakdesk demo` end to end on the bundled sample case, and its care with existing folders."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from leakdesk import demo as demo_mod
from leakdesk.demo import MARKER, DemoStep, is_demo_case, run_demo
from leakdesk.errors import TranslationError
from leakdesk.sample import letters_with, load_manifest
from tests.conftest import invoke

pytestmark = pytest.mark.skipif(
    not shutil.which("gpg"), reason="GnuPG (`gpg`) is not installed; `make test` installs the Debian package gnupg"
)


@pytest.fixture
def demo_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "demo"
    yield path
    if (path / "gnupg").is_dir():  # belt and braces: the demo stops its agent itself
        subprocess.run(["gpgconf", "--homedir", str(path / "gnupg"), "--kill", "gpg-agent"], capture_output=True)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, Path]]:
    """One full `leakdesk demo --case DIR` run through the CLI, shared by the assertions below."""
    from typer.testing import CliRunner

    path = tmp_path_factory.mktemp("demo-run") / "case"
    result = invoke(CliRunner(), "demo", "--case", path)
    yield result, path
    subprocess.run(["gpgconf", "--homedir", str(path / "gnupg"), "--kill", "gpg-agent"], capture_output=True)


def stage_summaries(out: str) -> dict[str, str]:
    """Read the stages table back: stage name -> its summary, with wrapped lines joined."""
    rows: dict[str, list[str]] = {}
    current = None
    for line in out.split("The sample case")[0].splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) != 6:
            continue
        if cells[1]:
            current = cells[1]
            rows[current] = []
        if current:
            rows[current].append(cells[3])
    return {stage: " ".join(parts) for stage, parts in rows.items()}


def _row(html: str, subject: str) -> list[str]:
    rows = re.findall(r'<tr id="dispatch-\d+".*?</tr>', html, re.S)
    return [r for r in rows if subject in r]


@pytest.mark.slow
def test_demo_summary(demo_run) -> None:  # type: ignore[no-untyped-def]
    result, path = demo_run
    assert result.exit_code == 0, result.output
    out = result.stdout
    manifest = load_manifest()
    assert re.search(rf"│ dispatches\s+│\s+{len(manifest['letters'])} │", out)
    assert re.search(r"│ variants \(same Message-ID, other bytes\)\s+│\s+1 │", out)
    assert re.search(r"│ decrypted\s+│\s+1 │", out)
    assert re.search(r"│ series\s+│\s+Veter 16 │", out)
    assert "│ keys " in out and "│ ingest " in out
    assert stage_summaries(out)["translations"].startswith("15 human translations imported and marked final")
    summaries = stage_summaries(out)
    assert summaries["signatures"].startswith(f"DKIM on {len(manifest['letters'])} emails: 1 pass, ")
    assert "text found" in summaries["OCR"] and summaries["OCR"].startswith("1 scan(s) read by OCR (tesseract")
    assert f"Report: {path / 'reports' / 'report.html'}" in out
    assert is_demo_case(path)


@pytest.mark.slow
def test_demo_measures_the_planted_labelling_onset_beside_the_letter(demo_run) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    result, path = demo_run
    summary = stage_summaries(result.stdout)["media stream"]
    onset = dt.date.fromisoformat(re.search(r"onset (\d{4}-\d{2}-\d{2})", summary).group(1))  # type: ignore[union-attr]
    assert abs((onset - dt.date(2021, 8, 16)).days) <= 7  # the sample's planted week (sample/README.md)
    assert "letter dispatch 3 of 2022-03-17 claims 2021-08-01" in summary
    html = (path / "reports" / "report.html").read_text("utf-8")
    assert "Narratives in the media streams" in html and "narratives-japanese-nazi.svg" in html


@pytest.mark.slow
def test_demo_report_lists_variant_decrypted_letter_and_charset_case(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, path = demo_run
    html = (path / "reports" / "report.html").read_text("utf-8")
    (variant_entry,) = letters_with("message-id-variant")
    rows = _row(html, variant_entry["subject"])
    assert len(rows) == 2 and sum("variant</span> of" in r for r in rows) == 1
    (pgp_entry,) = letters_with("pgp-encrypted")
    (pgp_row,) = [r for r in _row(html, pgp_entry["message_id"].strip("<>")) if "PGP:" in r]
    assert "PGP: decrypted" in pgp_row
    (charset_entry,) = letters_with("mislabelled-charset")
    (charset_row,) = _row(html, charset_entry["subject"])
    assert "body: " in charset_row and "declared" in charset_row
    for entry in letters_with("pdf-attachment") + letters_with("docx-attachment"):
        assert entry["attachments"][0]["filename"] in html


@pytest.mark.slow
def test_demo_report_shows_the_mislabelled_charset_was_detected(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, path = demo_run
    html = (path / "reports" / "report.html").read_text("utf-8")
    (charset_entry,) = letters_with("mislabelled-charset")
    (charset_row,) = _row(html, charset_entry["subject"])
    assert "body: cp1251" in charset_row and "declared koi8-r" in charset_row and "detected cp1251" in charset_row


@pytest.mark.slow
def test_demo_errors_are_only_the_sample_s_deliberate_problems(demo_run) -> None:  # type: ignore[no-untyped-def]
    result, path = demo_run
    html = (path / "reports" / "report.html").read_text("utf-8")
    error_rows = re.findall(r'<tr id="dispatch-\d+" class="[^"]*error".*?</tr>', html, re.S)
    warned_rows = re.findall(r'<tr id="dispatch-\d+" class="[^"]*warned".*?</tr>', html, re.S)
    (charset_entry,) = letters_with("mislabelled-charset")
    # A repaired charset is readable: a warning, never shown or counted as an error.
    assert not any(charset_entry["subject"] in row for row in error_rows)
    assert any(charset_entry["subject"] in row for row in warned_rows)
    assert re.search(rf"│ errors\s+│\s+{len(error_rows)} │", result.stdout)
    assert re.search(rf"│ warnings\s+│\s+{len(warned_rows)} │", result.stdout)


@pytest.mark.slow
def test_demo_ingests_every_sample_mail_into_the_series(demo_run) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from leakdesk.case import Case
    from leakdesk.store import tables as t

    _, path = demo_run
    with Case.open(path) as case, case.connect() as conn:
        names = (
            conn.execute(
                sa.select(t.dispatch.c.filename)
                .select_from(t.dispatch.join(t.series))
                .where(t.series.c.name == "Veter", t.dispatch.c.parent_id.is_(None))
            )
            .scalars()
            .all()
        )
    assert sorted(names) == sorted(Path(e["mail"]).name for e in load_manifest()["letters"])


@pytest.mark.slow
def test_demo_glossary_step_flags_only_the_letter_with_the_other_rendering(demo_run) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from leakdesk.case import Case
    from leakdesk.store import tables as t

    result, path = demo_run
    (rule,) = load_manifest()["glossary"]
    names = [f"{n:02d}.eml" for n in rule["inconsistent_in"]]
    with Case.open(path) as case, case.connect() as conn:
        ids = conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.filename.in_(names))).scalars().all()
    assert stage_summaries(result.stdout)["glossary"] == f"1 glossary term(s); 1 departure(s) in dispatch(es) {ids}"


@pytest.mark.slow
def test_demo_verify_step_finds_exactly_the_impostor_letters(demo_run) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from leakdesk.case import Case
    from leakdesk.store import tables as t

    result, path = demo_run
    names = [Path(e["mail"]).name for e in load_manifest()["letters"] if e["hand"] == "impostor"]
    with Case.open(path) as case, case.connect() as conn:
        ids = conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.filename.in_(names))).scalars().all()
    summaries = stage_summaries(result.stdout)
    assert summaries["verify"].endswith(f"different hand: dispatch(es) {sorted(ids)}")
    assert summaries["series report"].startswith("2 hand(s) in the series")
    assert (path / "reports" / "authorship-Veter-heatmap.png").is_file()


def test_demo_json_and_replacing_an_older_demo_case(runner, demo_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(demo_mod, "DEMO_STEPS", demo_mod.DEMO_STEPS[:2])  # keys and ingest are enough here
    first = invoke(runner, "demo", "--case", demo_path, "--json")
    assert first.exit_code == 0, first.output
    (demo_path / "left-over.txt").write_text("from the first run", "utf-8")
    second = invoke(runner, "demo", "--case", demo_path, "--json")
    assert second.exit_code == 0, second.output
    data = json.loads(second.stdout)
    assert data["ok"] is True and Path(data["report"]).is_file()
    assert [s["name"] for s in data["steps"]][:2] == ["keys", "ingest"]
    assert data["overview"]["decrypted"] == 1 and data["overview"]["variants"] == 1
    assert not (demo_path / "left-over.txt").exists()


def test_demo_never_deletes_a_folder_it_did_not_make(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    precious = tmp_path / "work"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine", "utf-8")
    result = invoke(runner, "demo", "--case", precious)
    assert result.exit_code == 2
    assert (
        f"{precious} exists and is not a leakdesk demo case; the demo will not delete it. "
        "Choose another folder with --case."
    ) in " ".join(result.output.split())
    assert (precious / "notes.txt").read_text("utf-8") == "mine"


def test_demo_never_deletes_a_real_case_even_with_a_marker_name_elsewhere(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.case import Case

    real = tmp_path / "real-case"
    Case.init(real).close()
    result = invoke(runner, "demo", "--case", real)
    assert result.exit_code == 2 and (real / "case.json").is_file() and not (real / MARKER).exists()


def test_steps_that_fail_are_reported(demo_path) -> None:  # type: ignore[no-untyped-def]
    def broken(case, sample):  # type: ignore[no-untyped-def]
        raise TranslationError("letter 3: the translation file is empty.")

    def fine(case, sample):  # type: ignore[no-untyped-def]
        return "done"

    result = run_demo(demo_path, steps=[DemoStep("translate", broken), DemoStep("later", fine)])
    assert [(s.name, s.status, s.summary) for s in result.steps] == [
        ("translate", "failed", "letter 3: the translation file is empty."),
        ("later", "ok", "done"),
    ]
    assert not result.ok and result.report is not None and result.report.is_file()


def test_a_stage_with_a_bug_is_reported_and_the_rest_goes_on(demo_path) -> None:
    def buggy(case, sample):  # type: ignore[no-untyped-def]
        return {}["missing"]

    result = run_demo(demo_path, steps=[DemoStep("buggy", buggy), DemoStep("fine", lambda case, sample: "done")])
    assert [(s.name, s.status, s.summary) for s in result.steps] == [
        ("buggy", "failed", "KeyError: 'missing'"),
        ("fine", "ok", "done"),
    ]


def test_demo_with_a_damaged_sample_says_so(runner, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(demo_mod, "sample_dir", lambda: tmp_path / "no-sample")
    result = invoke(runner, "demo", "--case", tmp_path / "demo")
    assert result.exit_code == 1
    assert f"The bundled sample case in {tmp_path / 'no-sample'} is incomplete or damaged" in " ".join(
        result.output.split()
    )
    assert "Traceback" not in result.output and not (tmp_path / "demo").exists()


def test_cli_exit_code_is_one_when_a_step_failed(runner, demo_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(case, sample):  # type: ignore[no-untyped-def]
        raise TranslationError("letter 3: the translation file is empty.")

    monkeypatch.setattr(demo_mod, "DEMO_STEPS", [DemoStep("translate", broken)])
    result = invoke(runner, "demo", "--case", demo_path)
    assert result.exit_code == 1
    assert "failed" in result.stdout and "letter 3: the translation file is empty." in " ".join(result.stdout.split())


@pytest.mark.slow
def test_leakdesk_run_after_the_demo_redoes_nothing(demo_run) -> None:  # type: ignore[no-untyped-def]
    """The demo's analysis is the pipeline: every stage it ran is recorded, so `leakdesk run` has nothing left."""
    from typer.testing import CliRunner

    _, path = demo_run
    result = invoke(CliRunner(), "run", path, "--json")
    assert result.exit_code == 0, result.output
    stages = {s["name"]: s for s in json.loads(result.stdout)["stages"]}
    assert all(s["done"] == 0 and s["failed"] == 0 for s in stages.values()), stages
    for name in ("language-id", "entities", "dates", "claims", "verify", "series-analysis"):
        assert stages[name]["skipped"] > 0, name
