"""kill -9 a real `leakdesk ingest` at random moments, re-run it: no duplicates, no half-written records, clean fsck."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.fsck import fsck
from leakdesk.store.originals import PACK_MEDIA_TYPE
from tests.intake.conftest import RU_TEXT, mbox_bytes, raw_message, with_attachment

MESSAGES = 300


def _inputs(folder: Path) -> None:
    folder.mkdir()
    for i in range(MESSAGES - 100):
        if i % 10 == 0:
            data = with_attachment(RU_TEXT.encode() * 3, f"notes-{i}.txt", "text", "plain", message_id=f"<c{i}@x>")
        else:
            data = raw_message(f"Letter {i}. {RU_TEXT}".encode("koi8_r"), message_id=f"<c{i}@x>",
                               content_type="text/plain; charset=koi8-r")
        (folder / f"{i:04d}.eml").write_bytes(data)
    box = [raw_message(f"Boxed letter {i}, sent from the office.\n".encode(), message_id=f"<b{i}@x>")
           for i in range(100)]
    (folder / "zz-box.mbox").write_bytes(mbox_bytes(box))


def _count(case: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{case / 'case.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.dispatch)).scalar() or 0)
    finally:
        engine.dispose()


def _run(case: Path, inbox: Path, kill_at: int | None, jitter: float = 0.0) -> int | None:
    """Run `leakdesk ingest`; with `kill_at`, SIGKILL it once the case holds that many dispatches (plus jitter)."""
    cmd = [sys.executable, "-m", "leakdesk.cli.main", "ingest", str(case), str(inbox), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kill_at is None:
        return proc.wait(timeout=600)
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline and _count(case) < kill_at:
        time.sleep(0.01)
    time.sleep(jitter)  # land anywhere: between commits, inside a transaction, while an original is written
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return None


@pytest.mark.slow
def test_kill_9_then_rerun_leaves_a_sound_case(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _inputs(inbox)
    Case.init(tmp_path / "case").close()
    rng = random.Random(20261126)
    progress = []
    targets = sorted(rng.sample(range(1, MESSAGES - 20), 5))
    for target in targets:
        _run(tmp_path / "case", inbox, kill_at=target, jitter=rng.uniform(0, 0.05))
        with Case.open(tmp_path / "case") as case, case.connect() as conn:
            progress.append(conn.execute(sa.select(sa.func.count()).select_from(t.dispatch)).scalar())
    assert any(0 < n < MESSAGES for n in progress), f"no kill landed in the middle of the work: {progress}"
    assert _run(tmp_path / "case", inbox, kill_at=None) == 0
    with Case.open(tmp_path / "case") as case, case.connect() as conn:
        d = t.dispatch.c
        top = conn.execute(sa.select(d.id, d.kind).where(d.parent_id.is_(None))).all()
        assert len(top) == MESSAGES  # every message exactly once (dedup_key is unique, so no duplicates)
        children = conn.execute(sa.select(sa.func.count()).where(d.parent_id.is_not(None))).scalar()
        assert children == 20
        # every dispatch is complete: its original, its 'received'/'extracted' custody row, headers and text
        for row in conn.execute(sa.select(t.dispatch)):
            assert case.originals.exists(row.original_sha256)
            events = conn.execute(sa.select(t.custody.c.event).where(t.custody.c.dispatch_id == row.id)).scalars()
            first = [e for e in events if e in ("received", "extracted")]
            assert len(first) == 1, (row.id, first)
            if row.kind == "email":
                assert conn.execute(sa.select(t.dispatch_headers.c.headers)
                                    .where(t.dispatch_headers.c.dispatch_id == row.id)).scalar()
            assert conn.execute(sa.select(sa.func.count()).where(t.text.c.dispatch_id == row.id)).scalar() >= 1
        ingests = conn.execute(
            sa.select(sa.func.count()).where(t.audit.c.action == "intake.ingest")
        ).scalar()
        assert ingests == MESSAGES
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert fsck(conn, case.originals).ok
    print("dispatches after each kill:", progress)


BOXED = 5000  # five group commits (BATCH_DISPATCHES = 1000 top-level dispatches each); a few seconds on a quiet machine


@pytest.mark.slow
def test_kill_9_inside_group_commits_of_a_large_mbox(tmp_path: Path) -> None:
    """Kills land while a batch's originals are being written, synced, renamed or its transaction runs."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    box = [with_attachment(f"notes {i}".encode() * 40, f"n{i}.txt", "text", "plain", message_id=f"<g{i}@x>")
           if i % 25 == 0 else raw_message(f"Boxed letter {i}. {RU_TEXT}".encode("koi8_r"), message_id=f"<g{i}@x>",
                                           content_type="text/plain; charset=koi8-r")
           for i in range(BOXED)]
    (inbox / "big.mbox").write_bytes(mbox_bytes(box))
    Case.init(tmp_path / "case").close()
    rng = random.Random(20261201)
    seen = []
    for _ in range(3):
        before = _count(tmp_path / "case")
        cmd = [sys.executable, "-m", "leakdesk.cli.main", "ingest", str(tmp_path / "case"), str(inbox), "--json"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline and _count(tmp_path / "case") == before:
            time.sleep(0.01)  # one more batch committed: the next is being read, stored or written
        time.sleep(rng.uniform(0.0, 0.5))  # with 700 letters and 1.5 s, a whole ingest could end first
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen.append(_count(tmp_path / "case"))
    assert any(0 < n < BOXED + BOXED // 25 for n in seen), f"no kill landed in the middle of the mbox: {seen}"
    assert _run(tmp_path / "case", inbox, kill_at=None) == 0
    with Case.open(tmp_path / "case") as case, case.connect() as conn:
        d = t.dispatch.c
        assert conn.execute(sa.select(sa.func.count()).where(d.parent_id.is_(None), d.kind == "email")).scalar() \
            == BOXED
        assert conn.execute(sa.select(sa.func.count()).where(d.parent_id.is_not(None))).scalar() == BOXED // 25
        packs = set(conn.execute(sa.select(t.original.c.sha256)
                                 .where(t.original.c.media_type == PACK_MEDIA_TYPE)).scalars())
        assert len(packs) >= 5  # one per batch: the attachments were packed, kills and all
        for sha in conn.execute(sa.select(d.original_sha256).where(d.parent_id.is_not(None))).scalars():
            where = case.originals.slice_of(sha)
            assert where is not None and where.container in packs
        ingests = conn.execute(sa.select(sa.func.count()).where(t.audit.c.action == "intake.ingest")).scalar()
        assert ingests == BOXED
        report = fsck(conn, case.originals)
        assert report.ok, report
    print("dispatches after each kill:", seen)
