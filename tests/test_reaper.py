"""A test run killed with SIGKILL leaves no server behind: its watchdog stops them, and if the watchdog was killed
too, the next session does (tests/reaper.py). Each test kills a real pytest run that started PostgreSQL, Dovecot
and two gpg-agents (a test GnuPG home and a case's own keyring)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reaper import processes_under, reap_stale_sessions

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _wait(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds} s")
        time.sleep(0.1)


def _command_line(pid: int) -> str:
    """The process's command line; empty when it has just exited (a postgres backend, a gpg helper)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def _killed_session(tmp_path: Path, *, and_its_watchdog: bool = False) -> dict:  # type: ignore[type-arg]
    """Start the victim session, wait until its servers run, SIGKILL its pytest (its watchdog first, if asked);
    what it reported."""
    ready = tmp_path / "ready.json"
    env = {
        **os.environ,
        "LEAKDESK_KILLED_SESSION_READY": str(ready),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")]),
    }
    log = (tmp_path / "victim.log").open("wb")
    victim = subprocess.Popen(
        [sys.executable, "-m", "pytest", "tests/killed_session.py", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(lambda: ready.exists() or victim.poll() is not None, 300, "the victim session did not start")
        assert ready.exists(), (tmp_path / "victim.log").read_text(errors="replace")
        session = json.loads(ready.read_text("utf-8"))
        running = processes_under(session["markers"])
        args = " ".join(_command_line(p) for p in running)
        assert "postgres" in args and "dovecot" in args and args.count("gpg-agent") == 2, args  # all were up
        if and_its_watchdog:
            os.kill(session["watchdog"], signal.SIGKILL)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        log.close()
    return session  # type: ignore[no-any-return]


def test_the_watchdog_stops_the_servers_of_a_killed_run(tmp_path: Path) -> None:
    session = _killed_session(tmp_path)
    _wait(lambda: not processes_under(session["markers"]), 60, "servers of the killed run were still running")
    assert not list(Path("/tmp").glob(Path(session["marker"]).name + "*"))  # and their folders are gone


def test_the_next_session_stops_what_a_killed_run_and_its_watchdog_left(tmp_path: Path) -> None:
    session = _killed_session(tmp_path, and_its_watchdog=True)
    assert processes_under(session["markers"])  # nothing stopped them yet
    reap_stale_sessions()
    assert not processes_under(session["markers"])
    assert not list(Path("/tmp").glob(Path(session["marker"]).name + "*"))
