"""The same case store on a real PostgreSQL server: init, schema, audit chain, append-only trigger, fsck."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.store import db
from leakdesk.store import tables as t
from tests.conftest import invoke


def _has_ingest() -> bool:
    """True once the intake capability (and its `leakdesk ingest` command) is on this branch."""
    from typer.testing import CliRunner

    return invoke(CliRunner(), "ingest", "--help").exit_code == 0


EML = (
    b"From: Fialka <fialka@example.net>\r\nTo: desk@example.org\r\nSubject: =?utf-8?b?0J/RgNC40LLQtdGC?=\r\n"
    b"Message-ID: <pg-1@example.net>\r\nDate: Tue, 03 Mar 2026 09:15:00 +0300\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
) + "Встреча переносится на пятницу.\r\n".encode("koi8-r")


@pytest.fixture
def pg_case(runner, tmp_path: Path, fresh_postgres_url: str):  # type: ignore[no-untyped-def]
    res = invoke(runner, "init", tmp_path / "case", "--db", fresh_postgres_url)
    assert res.exit_code == 0, res.output
    assert "(postgresql)" in res.output
    case = Case.open(tmp_path / "case")
    yield case
    case.close()


def test_init_on_postgres_records_the_url_and_migrates_to_head(pg_case: Case, fresh_postgres_url: str) -> None:
    assert pg_case.engine.dialect.name == "postgresql"
    assert json.loads((pg_case.root / "case.json").read_text())["db_url"] == fresh_postgres_url
    assert not (pg_case.root / "case.db").exists()
    assert db.is_current(pg_case.engine)
    names = set(sa.inspect(pg_case.engine).get_table_names())
    assert {tbl.name for tbl in t.metadata.sorted_tables} <= names


def test_migrations_build_exactly_the_declared_schema_on_postgres(pg_case: Case) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with pg_case.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == []


def test_downgrade_to_base_and_upgrade_again_on_postgres(pg_case: Case) -> None:
    from alembic import command

    cfg = db.alembic_config(pg_case.engine)
    command.downgrade(cfg, "base")
    assert set(sa.inspect(pg_case.engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert db.is_current(pg_case.engine)


def test_audit_log_is_append_only_on_postgres(pg_case: Case) -> None:
    with pg_case.transaction() as conn:
        pg_case.audit(conn, "test.note", "x", {"n": 1})
    for statement in ("UPDATE audit SET actor = 'mallory' WHERE seq = 1", "DELETE FROM audit WHERE seq = 1"):
        with pytest.raises(sa.exc.DBAPIError, match="the audit log is append-only"):
            with pg_case.transaction() as conn:
                conn.execute(sa.text(statement))
    with pg_case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.audit)).scalar_one() == 2


def test_fsck_on_postgres_finds_a_tampered_audit_row(runner, pg_case: Case) -> None:  # type: ignore[no-untyped-def]
    with pg_case.transaction() as conn:
        for n in range(3):
            pg_case.audit(conn, "test.note", f"note {n}", {"n": n})
    res = invoke(runner, "fsck", pg_case.root, "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["ok"] is True and report["audit_rows"] == 4

    with pg_case.transaction() as conn:  # an attacker with database rights removes the guard first
        conn.execute(sa.text("DROP TRIGGER audit_append_only ON audit"))
        conn.execute(sa.text("UPDATE audit SET object = 'nothing happened' WHERE seq = 3"))
    res = invoke(runner, "fsck", pg_case.root)
    assert res.exit_code == 1
    assert "Audit entry 3: its content was changed after it was written." in res.output
    assert "Audit entry 2" not in res.output and "Audit entry 4" not in res.output
    assert "The case is damaged." in res.output


@pytest.mark.skipif(not _has_ingest(), reason="`leakdesk ingest` is not on this branch yet")
def test_ingest_and_fsck_on_postgres(runner, pg_case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "letter.eml").write_bytes(EML)
    res = invoke(runner, "ingest", pg_case.root, tmp_path / "letter.eml", "--series", "Fialka")
    assert res.exit_code == 0, res.output
    res = invoke(runner, "ingest", pg_case.root, tmp_path / "letter.eml")  # the same bytes again
    assert res.exit_code == 0, res.output
    with pg_case.connect() as conn:
        dispatch = conn.execute(sa.select(t.dispatch)).one()
        custody = conn.execute(sa.select(t.custody).where(t.custody.c.sha256 == dispatch.original_sha256)).all()
        body = conn.execute(sa.select(t.text.c.content).where(t.text.c.dispatch_id == dispatch.id)).scalars().all()
    assert (dispatch.message_id, dispatch.subject, dispatch.status) == ("<pg-1@example.net>", "Привет", "ok")
    assert len(custody) == 2
    assert any("Встреча переносится на пятницу." in b for b in body)
    res = invoke(runner, "fsck", pg_case.root, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["originals_checked"] == 1


def test_a_password_in_the_url_goes_to_the_desk_pgpass_not_case_json(
    runner, tmp_path: Path, fresh_postgres_url: str  # type: ignore[no-untyped-def]
) -> None:
    import os
    import stat

    with_password = fresh_postgres_url.replace("://leakdesk@", "://leakdesk:hunter2@")
    res = invoke(runner, "init", tmp_path / "case", "--db", with_password)
    assert res.exit_code == 0, res.output
    assert "hunter2" not in res.output
    settings = (tmp_path / "case" / "case.json").read_text()
    assert "hunter2" not in settings and json.loads(settings)["db_url"] == fresh_postgres_url
    pgpass = Path(os.environ["LEAKDESK_HOME"]) / "pgpass"
    assert stat.S_IMODE(pgpass.stat().st_mode) == 0o600
    assert pgpass.read_text().endswith(":leakdesk:hunter2\n")
    case = Case.open(tmp_path / "case")  # reconnects with the password from the desk's pgpass
    with case.connect() as conn:
        details = conn.execute(sa.select(t.audit.c.details)).scalars().all()
        assert conn.exec_driver_sql("SHOW password_encryption").scalar()  # connected
    assert not any("hunter2" in d for d in details)
    report = case.fsck()
    assert report.ok, report.as_dict()
    assert any("connected as the owner of the audit table" in w for w in report.warnings)
    case.close()


def test_tail_truncation_on_postgres_is_caught_by_the_checkpoint(runner, pg_case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pg_case.transaction() as conn:
        for n in range(3):
            pg_case.audit(conn, "test.note", f"note {n}", {"n": n})
    pg_case.checkpoint(tmp_path / "cp.json")  # entry 5
    with pg_case.transaction() as conn:  # the table owner disables the guards and deletes the last entries
        conn.execute(sa.text("ALTER TABLE audit DISABLE TRIGGER USER"))
        conn.execute(sa.text("ALTER TABLE audit_seal DISABLE TRIGGER USER"))
        conn.execute(sa.text("DELETE FROM audit_seal WHERE seq > 3"))
        conn.execute(sa.text("DELETE FROM audit WHERE seq > 3"))
    res = invoke(runner, "fsck", pg_case.root, "--checkpoint", tmp_path / "cp.json")
    assert res.exit_code == 1
    assert ("The audit log ends at entry 3, but the checkpoint of" in res.output
            and "recorded entry 5: entries were deleted from the end (or the case was put back from an older "
                "copy)." in res.output)
    assert ("Problem: The database triggers that keep the audit log append-only are missing or disabled "
            "(audit_append_only, audit_no_truncate, audit_seal_append_only, audit_seal_no_truncate).") in res.output


def test_the_documented_separate_roles_keep_the_app_from_changing_the_log(
    pg_case: Case, fresh_postgres_url: str
) -> None:
    """docs/threat-model.md: the desk connects as a role that owns nothing; it appends, but cannot rewrite."""
    import os

    app = f"leakdesk_app_{os.urandom(3).hex()}"
    with pg_case.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for statement in (
            f"CREATE ROLE {app} LOGIN",
            f"GRANT USAGE ON SCHEMA public TO {app}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON audit, audit_seal FROM {app}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {app}",
        ):
            conn.execute(sa.text(statement))
    app_url = pg_case.engine.url.set(username=app).render_as_string(hide_password=False)
    case = Case.open(pg_case.root, db_url=app_url)
    with case.transaction() as conn:
        case.audit(conn, "test.as-app", "x")
    for statement, error in (
        ("UPDATE audit SET actor = 'mallory'", "permission denied"),
        ("ALTER TABLE audit DISABLE TRIGGER USER", "must be owner"),
        ("DELETE FROM audit_seal", "permission denied"),
    ):
        with pytest.raises(sa.exc.DBAPIError, match=error):
            with case.transaction() as conn:
                conn.execute(sa.text(statement))
    report = case.fsck()
    assert report.ok, report.as_dict()
    assert not any("owner of the audit table" in w for w in report.warnings)
    case.close()


@pytest.mark.skipif(not _has_ingest(), reason="`leakdesk ingest` is not on this branch yet")
def test_an_edited_subject_and_a_recomputed_chain_are_caught_on_postgres(
    runner, pg_case: Case, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from leakdesk.store import audit

    (tmp_path / "letter.eml").write_bytes(EML)
    assert invoke(runner, "ingest", pg_case.root, tmp_path / "letter.eml").exit_code == 0
    assert pg_case.fsck().ok
    with pg_case.transaction() as conn:
        conn.execute(sa.text("UPDATE dispatch SET subject = 'Nothing' WHERE id = 1"))
    report = pg_case.fsck()
    assert [(c["dispatch_id"], c["changed"]) for c in report.changed_dispatches] == [
        (1, ["subject, sender, status or other fields"])]
    with pg_case.transaction() as conn:  # rewrite entry 1 and recompute the whole (unkeyed) chain
        conn.execute(sa.text("ALTER TABLE audit DISABLE TRIGGER USER"))
        conn.execute(sa.text("UPDATE audit SET actor = 'mallory' WHERE seq = 1"))
        prev = audit.GENESIS
        for r in conn.execute(sa.select(t.audit).order_by(t.audit.c.seq)).all():
            h = audit.row_hash(r.seq, r.time, r.actor, r.action, r.object, r.details, prev)
            conn.execute(t.audit.update().where(t.audit.c.seq == r.seq).values(prev_hash=prev, hash=h))
            prev = h
        conn.execute(sa.text("ALTER TABLE audit ENABLE TRIGGER USER"))
    report = pg_case.fsck()
    assert {b["problem"] for b in report.broken_audit_rows} == {
        "its seal does not match: the entry was rewritten without the desk key"}
    assert report.problems == []  # the guards are back on: only the seals tell


def test_ingest_digests_from_rows_in_hand_equal_the_rows_on_postgres(pg_case: Case, tmp_path: Path) -> None:
    from tests.store.test_batch_digests import check_recorded_digests_equal_the_stored_rows

    check_recorded_digests_equal_the_stored_rows(pg_case, tmp_path)


def test_header_rows_move_to_one_row_per_dispatch_and_back_on_postgres(pg_case: Case, tmp_path: Path) -> None:
    from tests.store.test_dispatch_headers import check_headers_round_trip

    check_headers_round_trip(pg_case, tmp_path)


def test_attachments_packed_read_and_checked_on_postgres(pg_case: Case, tmp_path: Path) -> None:
    from tests.store.test_packs import test_attachments_of_a_batch_are_one_pack_read_and_verified_through_it

    test_attachments_of_a_batch_are_one_pack_read_and_verified_through_it(pg_case, tmp_path)


def test_fsck_names_the_letters_of_an_edited_pack_on_postgres(pg_case: Case, tmp_path: Path) -> None:
    from tests.store.test_packs import test_fsck_names_the_letters_whose_attachments_a_damaged_pack_holds

    test_fsck_names_the_letters_whose_attachments_a_damaged_pack_holds(pg_case, tmp_path, "edit")
