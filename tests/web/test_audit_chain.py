"""The audit page verifies the chain incrementally (only the entries written since its last look), while a full
walk — `?full=1` on the page, and `leakdesk case fsck` — still catches an old entry edited after it was checked."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.records import desk
from tests.web.conftest import login

WHOLE = "The whole chain was checked just now."
TAMPERED = "entry 2 its content was changed after it was written"


def _rewrite_old_entry(case: Case, seq: int) -> None:
    """What an attacker with sqlite3 and the case folder does: drop the guard, edit an entry, leave the hashes."""
    con = sqlite3.connect(case.root / "case.db")
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("UPDATE audit SET actor = 'nobody' WHERE seq = ?", (seq,))
    con.commit()
    con.close()


def test_audit_page_checks_only_new_entries_and_the_full_check_catches_an_old_edit(
        client: TestClient, desk_case: Case) -> None:
    login(client, "viewer")
    first = client.get("/audit").text
    assert WHOLE in first and "is intact" in first
    login(client, "editor")  # one new entry: web.login
    second = client.get("/audit").text
    assert "Checked: the 1 entries written since the last check" in second and "is intact" in second

    _rewrite_old_entry(desk_case, 2)
    login(client, "reviewer")  # the page's next look walks only the new entry
    assert "Checked: the 1 entries written since the last check" in client.get("/audit").text
    full = client.get("/audit", params={"full": "1"}).text
    assert WHOLE in full and TAMPERED in full and "The audit chain is broken" in full
    report = desk_case.fsck()
    assert not report.ok and {"seq": 2, "problem": "its content was changed after it was written"} in \
        report.broken_audit_rows
    assert TAMPERED in client.get("/audit").text  # what the full walk found stays named on the page


def test_chain_watch_walks_everything_again_when_its_head_is_gone(desk_case: Case) -> None:
    watch = desk.ChainWatch()
    with desk_case.connect() as conn:
        state = watch.check(conn)
        head = int(conn.execute(sa.select(sa.func.max(t.audit.c.seq))).scalar_one())
    assert state.full and state.checked == head and state.broken == []
    with desk_case.connect() as conn:
        again = watch.check(conn)
    assert not again.full and again.checked == 0
    con = sqlite3.connect(desk_case.root / "case.db")  # the last entry deleted (its seal stays behind)
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    con.execute("DELETE FROM audit WHERE seq = ?", (head,))
    con.commit()
    con.close()
    with desk_case.connect() as conn:
        after = watch.check(conn)
    assert after.full and after.checked == head - 1
    assert [(b.seq, "deleted from the end" in b.problem) for b in after.broken] == [(head, True)]
