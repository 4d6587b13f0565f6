"""`leakdesk serve` on real uvicorn: after requests from 127.0.0.1, neither its output nor the case folder holds
the client's address or user agent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from leakdesk.case import Case
from tests.web.conftest import PASSWORD, free_port, wait_for_port

AGENT = "Probe-Browser/9.9 (leakdesk no-trace test)"


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_no_client_address_or_agent_anywhere(desk_case: Case, tmp_path: Path, workers: int) -> None:
    root = desk_case.root
    desk_case.close()
    port = free_port()
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with out.open("wb") as o, err.open("wb") as e:
        # The server listens on "localhost" so that its own banner names no address; clients come from 127.0.0.1.
        command = [sys.executable, "-m", "leakdesk.cli.main", "serve", str(root), "--host", "localhost",
                   "--port", str(port), "--workers", str(workers)]
        proc = subprocess.Popen(command, stdout=o, stderr=e, env=env)
        try:
            wait_for_port(port, proc)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"user-agent": AGENT}) as client:
                page = client.get("/login")
                csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
                assert client.post("/login", data={"name": "editor", "password": "wrong one!", "csrf": csrf}
                                   ).status_code == 401
                r = client.post("/login", data={"name": "editor", "password": PASSWORD, "csrf": csrf})
                assert r.status_code == 303
                for path in ("/", "/dispatches/1", "/audit", "/search?q=Итуруп", "/nowhere", "/dispatches/999"):
                    assert client.get(path).status_code in (200, 404)
                assert client.get("/api/dispatches").status_code == 200
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    printed = out.read_bytes() + err.read_bytes()
    assert b"is at http://localhost:" in printed
    for trace in (b"127.0.0.1", AGENT.encode(), b"Probe-Browser"):
        assert trace not in printed
        for path in root.rglob("*"):
            if path.is_file():
                assert trace not in path.read_bytes(), f"{trace!r} found in {path}"
