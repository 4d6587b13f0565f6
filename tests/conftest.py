"""Shared fixtures: a fresh case, a CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leakdesk.case import Case

pytest_plugins = ["tests.servers"]  # real Dovecot, GnuPG and PostgreSQL fixtures


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test that patches a compiled module's internals would test nothing there (a compiled module calls its own
    functions directly): in a compiled run it is skipped, and tests/test_compiled.py runs it in pure Python."""
    if item.get_closest_marker("pure_python") is not None:
        from leakdesk import compiled

        if compiled.active():
            pytest.skip("patches a compiled module's internals; tests/test_compiled.py runs it in pure Python")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's LEAKDESK_* settings or home."""
    for var in ("LEAKDESK_DB", "LEAKDESK_CASE", "LEAKDESK_HOME", "LEAKDESK_USER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LEAKDESK_ACTOR", "tester")
    monkeypatch.setenv("LEAKDESK_PASSPHRASE_FILE", "")  # restored after the test, also when a command set it
    # Tests written for the old command forms check their exact stderr; tests/cli checks the deprecation notes.
    monkeypatch.setenv("LEAKDESK_QUIET_DEPRECATIONS", "1")
    monkeypatch.setenv("LEAKDESK_HOME", str(tmp_path / "leakdesk-home"))


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    c = Case.init(tmp_path / "case")
    yield c
    c.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    """Run `leakdesk ARGS...` in-process."""
    from leakdesk.cli.main import app

    return runner.invoke(app, [str(a) for a in args])
