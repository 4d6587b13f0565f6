"""One success and one exact error for the command groups other test files leave without one: the output, the
state it leaves, and the sentence a journalist reads (the dispatch and series errors of every command are in
test_grammar.py; each capability's own tests hold the rest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.store import tables as t
from tests.conftest import invoke


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh LEAKDESK_HOME (the machine's models folder and desk key)."""
    folder = tmp_path / "home"
    monkeypatch.setenv("LEAKDESK_HOME", str(folder))
    return folder


def test_model_list_and_a_missing_model_file(runner, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    listed = invoke(runner, "model", "list")
    assert (listed.exit_code, listed.stdout) == (
        0, f"No models installed in {home / 'models'}; add one with `leakdesk model add PATH`.\n")
    missing = invoke(runner, "model", "add", tmp_path / "ru_en.argosmodel")
    assert (missing.exit_code, missing.stderr) == (1, f"Error: {tmp_path / 'ru_en.argosmodel'} does not exist.\n")


def test_desk_key_is_made_once_and_kept(runner, home: Path) -> None:  # type: ignore[no-untyped-def]
    first = invoke(runner, "desk", "key")
    assert first.exit_code == 0 and first.stdout.startswith("Desk key ")
    assert first.stdout.endswith(f", kept in {home / 'desk-key.pem'} (back it up; never put it in a case folder).\n")
    assert invoke(runner, "desk", "key").stdout == first.stdout


def test_narrative_trend_needs_a_target_and_a_stream(runner, case: Case) -> None:  # type: ignore[no-untyped-def]
    untargeted = invoke(runner, "narrative", "trend", case.root)
    assert (untargeted.exit_code, untargeted.stderr) == (
        2, "Error: Name the monitored group with --target (or give --claim ID).\n")
    no_stream = invoke(runner, "narrative", "trend", case.root, "--target", "japanese")
    assert (no_stream.exit_code, no_stream.stderr) == (
        1, "Error: This case has no media streams yet; add one with `leakdesk stream add`.\n")


def test_export_writes_its_file_and_names_a_path_it_cannot_write(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "case.jsonl"
    done = invoke(runner, "export", "ftm", case.root, out)
    assert (done.exit_code, done.stdout) == (0, f"0 FtM entities written to {out}\n") and out.is_file()
    reviews = invoke(runner, "export", "claimreview", case.root, tmp_path / "cr.json")
    assert (reviews.exit_code, reviews.stdout) == (0, f"0 claim reviews written to {tmp_path / 'cr.json'}\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    refused = invoke(runner, "export", "ftm", case.root, folder)  # before: a traceback, or nothing at all
    assert (refused.exit_code, refused.stderr) == (1, f"Error: {folder}: Is a directory.\n")


def test_run_names_the_stages_it_knows(runner, case: Case) -> None:  # type: ignore[no-untyped-def]
    done = json.loads(invoke(runner, "run", case.root, "--json").stdout)
    assert [s["name"] for s in done["stages"]][:3] == ["language-id", "translation-drafts", "entities"]
    assert all(s["done"] == s["failed"] == 0 for s in done["stages"])
    unknown = invoke(runner, "run", case.root, "nosuchstage")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("Error: No such stage nosuchstage; the stages are: language-id, ")


def test_serve_and_demo_refuse_a_folder_that_is_not_theirs(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "mine.txt").write_text("do not delete", "utf-8")
    served = invoke(runner, "serve", folder)
    assert (served.exit_code, served.stderr) == (
        1, f"Error: {folder}: not a leakdesk case folder (run `leakdesk case init` first).\n")
    demo = invoke(runner, "demo", "--case", folder)
    assert (demo.exit_code, demo.stderr) == (
        2, f"Error: {folder} exists and is not a leakdesk demo case; the demo will not delete it. Choose another "
           "folder with --case.\n")
    assert (folder / "mine.txt").read_text("utf-8") == "do not delete"


def test_redaction_of_a_missing_proposal_is_a_missing_record(runner, case: Case) -> None:  # type: ignore[no-untyped-def]
    assert (invoke(runner, "redaction", "list", case.root).stdout) == "No redactions.\n"
    added = invoke(runner, "redaction", "add", case.root, "Иванов", "--as", "Person 1")
    assert added.exit_code == 0, added.output
    with case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.redaction)).scalar_one() == 1
    missing = invoke(runner, "redaction", "approve", case.root, "5")
    assert (missing.exit_code, missing.stderr) == (
        1, "Error: No such redaction 5 in this case (see `leakdesk redaction list CASE`).\n")


def test_glossary_add_twice_changes_nothing(runner, case: Case) -> None:  # type: ignore[no-untyped-def]
    added = invoke(runner, "glossary", "add", case.root, "Итуруп", "Iturup")
    assert (added.exit_code, added.stdout) == (0, "Added “Итуруп” → “Iturup” to the glossary.\n")
    again = invoke(runner, "glossary", "add", case.root, "Итуруп", "Etorofu")
    assert (again.exit_code, again.stderr) == (
        1, "Error: “Итуруп” is already in the glossary as “Iturup”; nothing was changed.\n")


def test_bundle_verify_of_a_missing_bundle(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = invoke(runner, "bundle", "verify", tmp_path / "from-partner")
    assert (missing.exit_code, missing.stderr) == (1, f"Error: {tmp_path / 'from-partner'} does not exist.\n")


def test_eval_names_the_missing_test_set(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    timex = invoke(runner, "eval", "timex", tmp_path / "tempeval")
    assert (timex.exit_code, timex.stderr) == (
        1, f"Error: The folder {tmp_path / 'tempeval'} does not exist; give the path of a folder of TimeML (.tml) "
           "files.\n")
    checkworthy = invoke(runner, "eval", "checkworthy", tmp_path / "dev.tsv")
    assert (checkworthy.exit_code, checkworthy.stderr) == (
        1, f"Error: {tmp_path / 'dev.tsv'}: no such file; give the path of a CheckThat! TSV (Sentence_id, Text, "
           "class_label).\n")
