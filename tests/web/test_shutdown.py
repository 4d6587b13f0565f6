"""At shutdown the app lets go of the case: the state mark's own SQLite connection (held open for the life of the
app before), and the case itself when the app opened it (`serve --workers N`)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient

from leakdesk.case import Case
from leakdesk.web.app import create_app
from tests.web.conftest import login


def _handles_on(db: Path) -> int:
    """How many of this process's open files are the case's database (or its -wal/-shm)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith(str(db))
        except OSError:  # closed while listed
            continue
    return count


def test_the_state_mark_connection_is_closed_at_shutdown(desk_case: Case) -> None:
    app = create_app(desk_case)
    with TestClient(app, follow_redirects=False) as client:
        login(client, "viewer")
        assert client.get("/").status_code == 200  # every request reads the state mark
        assert _handles_on(desk_case.root / "case.db") > 0
    desk_case.close()  # the case's own pool goes; what the app held must be gone already
    assert _handles_on(desk_case.root / "case.db") == 0


def test_an_app_that_owns_its_case_closes_it_at_shutdown(desk_case: Case) -> None:
    app = create_app(Case.open(desk_case.root), owns_case=True)
    desk_case.close()
    with TestClient(app, follow_redirects=False) as client:
        login(client, "viewer")
        assert client.get("/").status_code == 200
    assert _handles_on(desk_case.root / "case.db") == 0
