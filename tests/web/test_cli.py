"""`leakdesk user`, `leakdesk token`, `leakdesk search`, `leakdesk serve`: output, state and error text."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.records import accounts
from tests.conftest import invoke
from tests.web.conftest import free_port, wait_for_port


def test_user_add_list_remove(runner: CliRunner, case: Case, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("a long enough password\n", "utf-8")
    r = invoke(runner, "user", "add", case.root, "marsh", "--role", "translator", "--password-file", pw)
    assert r.exit_code == 0 and r.stdout == "Added marsh as translator.\n"
    assert accounts.authenticate(case, "marsh", "a long enough password").role == "translator"
    r = invoke(runner, "user", "list", case.root)
    assert r.stdout == "marsh (translator)\n"
    r = invoke(runner, "user", "add", case.root, "marsh", "--role", "viewer", "--password-file", pw)
    assert r.exit_code == 1 and "There is already a desk user called marsh." in r.stderr
    r = invoke(runner, "user", "add", case.root, "x", "--role", "boss", "--password-file", pw)
    assert r.exit_code == 2
    assert "Role 'boss' is not one of: admin, editor, translator, reviewer, viewer." in r.stderr
    r = invoke(runner, "user", "remove", case.root, "marsh")
    assert r.stdout == "Removed marsh; their past actions stay in the audit log.\n"
    assert invoke(runner, "user", "list", case.root).stdout == (
        "No desk users yet; add one with `leakdesk user add CASE NAME --role ROLE`.\n")
    with case.connect() as conn:
        stored = conn.execute(sa.select(t.web_user.c.password_hash)).scalar_one()
        actions = [r.action for r in conn.execute(sa.select(t.audit.c.action).order_by(t.audit.c.seq))]
    assert stored.startswith("$argon2id$") and "a long enough" not in stored
    assert actions[-2:] == ["user.add", "user.remove"]


def test_short_password_and_missing_file(runner: CliRunner, case: Case, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("short", "utf-8")
    r = invoke(runner, "user", "add", case.root, "a", "--role", "viewer", "--password-file", pw)
    assert r.exit_code == 2 and "The password for a is too short; use at least 10 characters." in r.stderr
    r = invoke(runner, "user", "add", case.root, "a", "--role", "viewer", "--password-file", tmp_path / "none")
    assert r.exit_code == 2 and f"The password file {tmp_path / 'none'} cannot be read" in r.stderr


def test_token_create_is_shown_once_and_stored_hashed(runner: CliRunner, case: Case) -> None:
    accounts.add_user(case, "bot", "viewer", "a long enough password")
    r = invoke(runner, "token", "create", case.root, "bot", "--label", "nightly export")
    token = r.stdout.strip()
    assert r.exit_code == 0 and token.startswith("ld_")
    assert accounts.token_user(case, token).name == "bot"  # type: ignore[union-attr]
    with case.connect() as conn:
        assert conn.execute(sa.select(t.api_token.c.token_hash)).scalar_one() != token
    r = invoke(runner, "token", "create", case.root, "nobody")
    assert r.exit_code == 1
    assert "There is no desk user called nobody; add one with `leakdesk user add`." in r.stderr


def test_totp_is_required_when_set(case: Case) -> None:
    import pyotp

    from leakdesk.errors import DeskError

    _, uri = accounts.add_user(case, "ed", "editor", "a long enough password", totp=True)
    secret = pyotp.parse_uri(uri).secret  # type: ignore[arg-type]
    try:
        accounts.authenticate(case, "ed", "a long enough password")
        raise AssertionError("a login without the code was accepted")
    except DeskError as exc:
        assert str(exc) == "The user name, password or code is wrong."
    assert accounts.authenticate(case, "ed", "a long enough password", pyotp.TOTP(secret).now()).name == "ed"


def test_search_finds_a_word_in_another_form_and_its_transliteration(runner: CliRunner, desk_case: Case) -> None:
    found = invoke(runner, "search", desk_case.root, "Итурупе")  # a case form; the letter has "на Итуруп"
    assert found.exit_code == 0, found.output
    lines = found.stdout.splitlines()
    assert lines[:3] == [
        "Letters with these words: 2",
        "  dispatch 1 (letter 1, original): В августе прошлого года контора готовилась к войне с Японией. Вертолёты "
        "перебросили на [Итуруп]. На [Итурупе] теперь стоят тридцать машин.",  # one line per hit, whatever the text
        "  dispatch 1 (letter 1, translation): Last August the Office prepared for a war with Japan. Helicopters were "
        "moved to [Iturup]. Thirty machines now stand on [Iturup].",  # the same name transliterated
    ]
    assert lines[3].startswith("Close in meaning: ")
    as_json = json.loads(invoke(runner, "search", desk_case.root, "Итурупе", "--json").stdout)
    assert [(w["dispatch_id"], w["kind"]) for w in as_json["words"]] == [(1, "original"), (1, "translation")]
    none = invoke(runner, "search", desk_case.root, "вертолётчица", "--series", "Nope")
    assert (none.exit_code, none.stderr) == (1, "Error: No such series 'Nope' in this case. Series in this case: "
                                                "Veter.\n")


@pytest.mark.slow
def test_serve_answers_with_the_login_page_and_stops_on_ctrl_c(desk_case: Case, tmp_path: Path) -> None:
    root = desk_case.root
    desk_case.close()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "leakdesk.cli.main", "serve", str(root), "--port", str(port)],
                                stdout=o, stderr=e, env=env)
        try:
            wait_for_port(port, proc)
            page = httpx.get(f"http://127.0.0.1:{port}/login")
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=60)
    assert page.status_code == 200 and 'name="csrf"' in page.text and "<form" in page.text
    assert code == 0, err.read_text(errors="replace")
    assert out.read_text("utf-8") == (
        f"The desk for {root} is at http://127.0.0.1:{port}/ (Ctrl+C stops it).\n")
