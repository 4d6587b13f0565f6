"""`leakdesk user`, `leakdesk token`, `leakdesk search`: output, state and error text."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.records import accounts
from tests.conftest import invoke


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
