"""`leakdesk show CASE ID`, the one "No such dispatch" message, and the named desk user as the actor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.store.test_records import _letters


@pytest.fixture
def mail_case(case: Case, tmp_path: Path) -> Case:
    ingest_paths(case, _letters(tmp_path / "mail"), series="Veter", progress=False)
    return case


def test_show_prints_headers_custody_text_and_status(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "show", mail_case.root, "1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Dispatch 1 — Второе\n")
    assert "Series: Veter, letter 2\n" in out
    assert "Anchor date: 2021-03-03 (letter-date)" in out
    assert "  Subject: Второе" in out
    assert "received via eml from" in out and "by tester" in out
    assert "Вчера в Киеве прошло совещание штаба номер 1." in out
    assert "Translation: none yet" in out
    assert "Status: authorship unverified; claims no claims" in out
    assert "Attachments: 2" in out


def test_show_json_holds_the_same_record(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(invoke(runner, "show", mail_case.root, "1", "--json").stdout)
    assert data["dispatch"]["subject"] == "Второе"
    assert data["original"]["role"] == "body"
    assert data["anchor"] == {"date": "2021-03-03", "source": "letter-date", "reason": "the letter's own date"}
    assert data["status"]["authorship"] == "unverified"
    assert [c["event"] for c in data["custody"]] == ["received"]


def test_show_escapes_control_characters_from_the_letter(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    with mail_case.transaction() as conn:
        conn.execute(t.dispatch.update().where(t.dispatch.c.id == 1).values(subject="Hi\x1b[31m [bold]x[/bold]"))
    out = invoke(runner, "show", mail_case.root, "1").stdout
    assert "\x1b" not in out
    assert "Dispatch 1 — Hi\\u001b[31m [bold]x[/bold]" in out


@pytest.mark.parametrize("given", ["33", "abc", "0"])
def test_missing_dispatch_is_one_message_and_exit_code(runner, mail_case: Case, given: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "show", mail_case.root, given)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: No such dispatch {given} in this case."


def test_user_option_and_env_name_the_actor(runner, mail_case: Case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "--user", "Anna Editor", "run", mail_case.root, "dates").exit_code == 0
    monkeypatch.setenv("LEAKDESK_USER", "Boris")
    assert invoke(runner, "run", mail_case.root, "dates").exit_code == 0
    with mail_case.connect() as conn:
        actors = conn.execute(sa.select(t.audit.c.actor).where(t.audit.c.action == "pipeline.run")
                              .order_by(t.audit.c.seq)).scalars().all()
        stage_actors = set(conn.execute(sa.select(t.stage_run.c.actor)).scalars())
    assert actors == ["Anna Editor", "Boris"]
    assert stage_actors == {"Anna Editor"}  # the second run redid nothing


def test_blank_user_is_refused(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "--user", " ", "run", mail_case.root)
    assert result.exit_code == 2
    assert "--user needs a name" in result.stderr
