"""The case store: schema from migrations, write-once originals, the hash-chained audit log, fsck."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from leakdesk.case import Case
from leakdesk.errors import CaseError, IntegrityError
from leakdesk.store import audit
from leakdesk.store import tables as t
from leakdesk.store.db import CACHE_KIB, PAGE_SIZE, make_engine
from leakdesk.store.fsck import fsck
from tests.conftest import invoke


def test_migrations_build_exactly_the_declared_schema(case: Case) -> None:
    with case.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == []


def test_sqlite_case_uses_wal(case: Case) -> None:
    with case.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_new_case_has_large_pages_and_an_old_one_keeps_its_own(case: Case, tmp_path: Path) -> None:
    with case.engine.connect() as conn:
        ciphered = case.engine.url.drivername == "sqlite+pysqlcipher"  # SQLCipher keeps its cipher page size
        assert int(conn.exec_driver_sql("PRAGMA page_size").scalar()) == (4096 if ciphered else PAGE_SIZE)
        assert int(conn.exec_driver_sql("PRAGMA cache_size").scalar()) == -CACHE_KIB
    old = tmp_path / "old.db"  # a database made with SQLite's own 4 KiB pages, already in WAL mode
    raw = sqlite3.connect(old)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("CREATE TABLE kept (v TEXT)")
    raw.execute("INSERT INTO kept VALUES ('письмо')")
    raw.commit()
    raw.close()
    engine = make_engine(f"sqlite:///{old}")
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        conn.exec_driver_sql("INSERT INTO kept VALUES ('ещё')")
    with engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql("SELECT v FROM kept")] == ["письмо", "ещё"]
    engine.dispose()


def test_init_refuses_an_existing_case(case: Case) -> None:
    with pytest.raises(CaseError, match="already a leakdesk case"):
        Case.init(case.root)


def test_open_refuses_a_folder_that_is_not_a_case(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="not a leakdesk case folder"):
        Case.open(tmp_path)


def test_original_is_content_addressed_read_only_and_deduplicated(case: Case) -> None:
    data = "Письмо №1".encode()
    d = case.originals.put_bytes(data)
    assert d.sha256 == hashlib.sha256(data).hexdigest()
    assert d.md5 == hashlib.md5(data).hexdigest() and d.size == len(data)
    path = case.originals.path(d.sha256)
    assert path.relative_to(case.root / "originals").parts == (d.sha256[:2], d.sha256[2:4], d.sha256)
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert case.originals.put_bytes(data) == d  # written once
    assert case.originals.read_bytes(d.sha256) == data
    assert list((case.root / "originals" / ".incoming").iterdir()) == []


def test_reading_an_altered_original_fails(case: Case) -> None:
    d = case.originals.put_bytes(b"original bytes")
    path = case.originals.path(d.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(b"altered bytes!")
    with pytest.raises(IntegrityError, match=f"The original {d.sha256} has been altered"):
        case.originals.read_bytes(d.sha256)
    with pytest.raises(IntegrityError):
        case.originals.verified_path(d.sha256)


def test_put_stream_handles_large_input_in_chunks(case: Case, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * (1 << 20) + 17))
    with open(big, "rb") as fh:
        d = case.originals.put_stream(fh)
    assert d.sha256 == hashlib.sha256(big.read_bytes()).hexdigest()


def test_audit_chain_links_every_row(case: Case) -> None:
    with case.transaction() as conn:
        case.audit(conn, "test.one", "x", {"a": 1})
        case.audit(conn, "test.two", "y", {"b": "ё"})
    with case.connect() as conn:
        rows = conn.execute(sa.select(t.audit).order_by(t.audit.c.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3]
        assert rows[0].prev_hash == audit.GENESIS
        assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
        assert json.loads(rows[2].details) == {"b": "ё"}
        assert audit.verify(conn) == []


def test_database_refuses_to_change_the_audit_log(case: Case) -> None:
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with case.transaction() as conn:
            conn.execute(t.audit.update().values(actor="someone else"))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with case.transaction() as conn:
            conn.execute(t.audit.delete())


def _tamper_audit(case: Case, seq: int, **values: str) -> None:
    """What an attacker with write access to case.db could do: drop the trigger, edit a row."""
    with case.transaction() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_no_update")
        conn.execute(t.audit.update().where(t.audit.c.seq == seq).values(**values))


def test_fsck_names_an_edited_audit_row(case: Case) -> None:
    with case.transaction() as conn:
        for i in range(3):
            case.audit(conn, "test.step", str(i))
    _tamper_audit(case, 3, actor="mallory")
    with case.connect() as conn:
        report = fsck(conn, case.originals)
    assert [b["seq"] for b in report.broken_audit_rows] == [3]
    assert not report.ok


def _record_original(case: Case, data: bytes) -> str:
    from datetime import UTC, datetime

    d = case.originals.put_bytes(data)
    with case.transaction() as conn:
        conn.execute(
            t.original.insert().values(
                sha256=d.sha256, sha1=d.sha1, md5=d.md5, size=d.size, first_seen=datetime.now(UTC)
            )
        )
    return d.sha256


def test_fsck_cli_clean_then_damaged(case: Case, runner) -> None:  # type: ignore[no-untyped-def]
    sha = _record_original(case, b"a letter")
    ok = invoke(runner, "fsck", case.root)
    assert ok.exit_code == 0, ok.output
    assert "Checked 1 originals and 1 audit entries." in ok.output and "All is well." in ok.output

    path = case.originals.path(sha)
    os.chmod(path, 0o644)
    path.write_bytes(b"a forged letter")
    _tamper_audit(case, 1, action="case.rewritten")
    bad = invoke(runner, "fsck", case.root, "--json")
    assert bad.exit_code == 1
    report = json.loads(bad.stdout)
    assert report["ok"] is False
    assert [d["sha256"] for d in report["damaged_originals"]] == [sha]
    assert [b["seq"] for b in report["broken_audit_rows"]] == [1]


def test_fsck_reports_missing_original(case: Case, runner) -> None:  # type: ignore[no-untyped-def]
    sha = _record_original(case, b"vanishing")
    case.originals.path(sha).unlink()
    res = invoke(runner, "fsck", case.root)
    assert res.exit_code == 1
    assert f"Original {sha}: missing from the originals folder." in res.output


def test_init_cli_and_errors(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    res = invoke(runner, "init", tmp_path / "c")
    assert res.exit_code == 0 and "Case created at" in res.output
    again = invoke(runner, "init", tmp_path / "c")
    assert again.exit_code == 1
    assert "is already a leakdesk case; open it instead of initialising it again." in again.output
    missing = invoke(runner, "fsck", tmp_path / "nope")
    assert missing.exit_code == 1
    assert "not a leakdesk case folder (run `leakdesk case init` first)." in missing.output
