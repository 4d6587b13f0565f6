"""The victim of tests/test_reaper.py: a session that starts every real server, says so, and waits to be killed.

Not collected by the normal run (its name does not start with test_); test_reaper.py runs it on its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests import servers
from tests.reaper import session_marker


def test_wait_to_be_killed(postgres_server, dovecot, gnupg_home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ready = os.environ.get("LEAKDESK_KILLED_SESSION_READY")
    if not ready:
        pytest.skip("run by tests/test_reaper.py only")
    case_keyring = tmp_path / "case" / "gnupg"  # a case's own keyring lives in the base temp folder
    case_keyring.mkdir(parents=True, mode=0o700)
    for home in (gnupg_home, case_keyring):  # start an agent in each, as gpg does on first use
        subprocess.run(["gpg-connect-agent", "--homedir", str(home), "/bye"], capture_output=True, check=True)
    guard = servers.session_guard()
    Path(ready + ".part").write_text(
        json.dumps(
            {
                "markers": guard.markers,
                "watchdog": guard.watchdog.pid,
                "marker": session_marker(),
                "keyrings": [str(gnupg_home), str(case_keyring)],
            }
        ),
        "utf-8",
    )
    os.replace(ready + ".part", ready)
    signal.pause()  # until SIGKILL
