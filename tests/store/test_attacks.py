"""The attack suite of issue 8, store side: one test per attack, each asserting it is now detected or contained.

The attacker has the case folder (a copied disk, a stolen laptop without the desk's home) or the database
(sqlite3, psql): they drop triggers, edit rows and recompute unkeyed hashes, but do not hold the desk key.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.intake.ingest import ingest_paths
from leakdesk.store import audit
from leakdesk.store.digests import rows_digest
from leakdesk.store.fsck import FsckReport
from tests.conftest import invoke
from tests.store.conftest import raw_connect

EML = (
    "From: Fialka <fialka@example.net>\r\nTo: desk@example.org\r\nSubject: Platezhi\r\n"
    "Message-ID: <attack-{n}@example.net>\r\nDate: Tue, 03 Mar 2026 09:15:00 +0300\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nПлатёж номер {n} ушёл через Кипр.\r\n"
)


@pytest.fixture
def ingested(case: Case, tmp_path: Path) -> Case:
    """A case with three letters ingested and a checkpoint taken by the desk."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in (1, 2, 3):
        (inbox / f"letter{n}.eml").write_bytes(EML.format(n=n).encode())
    result = ingest_paths(case, [inbox], progress=False)
    assert len(result.created) == 3
    case.checkpoint(tmp_path / "kept-elsewhere.json")
    assert case.fsck().ok
    return case


def _sql(case: Case, *statements: str, params: tuple = ()) -> None:  # type: ignore[type-arg]
    """What an attacker with sqlite3 and the case folder does (no leakdesk code, foreign keys off)."""
    con = raw_connect(case)
    for s in statements:
        con.execute(s, params) if "?" in s else con.execute(s)
    con.commit()
    con.close()


def _drop_guards(case: Case) -> None:
    _sql(case, *(f"DROP TRIGGER IF EXISTS {t}" for t in
                 ("audit_no_update", "audit_no_delete", "audit_seal_no_update", "audit_seal_no_delete")))


def _recompute_chain(case: Case) -> None:
    """Rebuild every hash with the public, unkeyed formula, as an attacker who read the source would."""
    con = raw_connect(case)
    prev = audit.GENESIS
    for seq, time, actor, action, obj, details in con.execute(
        "SELECT seq, time, actor, action, object, details FROM audit ORDER BY seq"
    ).fetchall():
        h = audit.row_hash(seq, time, actor, action, obj, details, prev)
        con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h
    con.commit()
    con.close()


FIELDS = "subject, sender, status or other fields"


def _fsck(case: Case, checkpoint: Path | None = None) -> FsckReport:
    return case.fsck(checkpoint)


def _problems(report: FsckReport) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, default=str)


# --------------------------------------------------------------------------- tail truncation


def test_deleting_the_last_entries_is_caught_by_the_checkpoint(ingested: Case, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    last = ingested.fsck().head["seq"]  # type: ignore[index]
    _drop_guards(ingested)
    _sql(ingested, f"DELETE FROM audit_seal WHERE seq > {last - 2}", f"DELETE FROM audit WHERE seq > {last - 2}")
    res = invoke(runner, "fsck", ingested.root, "--checkpoint", tmp_path / "kept-elsewhere.json")
    assert res.exit_code == 1
    assert (f"Problem: The audit log ends at entry {last - 2}, but the checkpoint of" in res.output
            and f"recorded entry {last}: entries were deleted from the end (or the case was put back from an "
                "older copy)." in res.output)
    assert "The database triggers that keep the audit log append-only are missing or disabled" in res.output


def test_deleting_every_entry_is_caught_even_without_naming_the_checkpoint(ingested: Case) -> None:
    _drop_guards(ingested)
    _sql(ingested, "DELETE FROM audit_seal", "DELETE FROM audit")
    report = _fsck(ingested)  # the desk's own copy of its last checkpoint is used
    assert not report.ok
    assert "The audit log is empty: every entry, including case.init, was deleted." in report.problems
    assert any("The audit log ends at entry 0" in p for p in report.problems)
    assert report.deleted_dispatches == []  # nothing left to say which dispatches were audited
    assert report.checkpoint is not None


# --------------------------------------------------------------------------- recomputed chain


def test_rewritten_rows_with_a_recomputed_chain_break_the_seals(ingested: Case, tmp_path: Path) -> None:
    _drop_guards(ingested)
    _sql(ingested, "UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    _recompute_chain(ingested)
    report = _fsck(ingested, tmp_path / "kept-elsewhere.json")
    assert not report.ok
    broken = {b["seq"]: b["problem"] for b in report.broken_audit_rows}
    assert broken[2] == "its seal does not match: the entry was rewritten without the desk key"
    assert len(broken) == report.audit_rows - 1  # every hash after entry 1 changed, so every seal fails
    assert any("differs from the checkpoint" in p and "the log was rewritten" in p for p in report.problems)


def test_stripping_the_seals_and_recomputing_the_chain_is_caught(ingested: Case) -> None:
    _drop_guards(ingested)
    _sql(ingested, "DELETE FROM audit_seal", "UPDATE audit SET details = '{}' WHERE seq = 3")
    _recompute_chain(ingested)
    report = _fsck(ingested, checkpoint=None)
    broken = {b["seq"]: b["problem"] for b in report.broken_audit_rows}
    assert broken[1] == "has no seal: it was written around leakdesk, or its seal was removed"
    assert set(broken) == set(range(1, report.audit_rows + 1))
    assert not report.ok


def test_an_entry_written_around_leakdesk_has_no_seal(ingested: Case) -> None:
    """Appending a forged entry with the public formula, without the desk key."""
    con = raw_connect(ingested)
    seq, prev = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    time = datetime.now(UTC).isoformat()
    h = audit.row_hash(seq + 1, time, "editor", "review.approve", "dispatch 1", "{}", prev)
    con.execute("INSERT INTO audit VALUES (?, ?, 'editor', 'review.approve', 'dispatch 1', '{}', ?, ?)",
                (seq + 1, time, prev, h))
    con.commit()
    con.close()
    report = _fsck(ingested)
    assert report.broken_audit_rows == [
        {"seq": seq + 1, "problem": "has no seal: it was written around leakdesk, or its seal was removed"}
    ]


def test_a_missing_case_init_entry_is_a_problem(ingested: Case) -> None:
    _drop_guards(ingested)
    _sql(ingested, "UPDATE audit SET action = 'case.imported' WHERE seq = 1")
    report = _fsck(ingested)
    assert "The case.init entry is missing: the start of the audit log was deleted or rewritten." in report.problems


def test_a_forged_checkpoint_is_refused(ingested: Case, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "kept-elsewhere.json"
    data = json.loads(path.read_text())
    data["statement"]["seq"] = 2  # make the checkpoint vouch for an earlier, truncated head
    path.write_text(json.dumps(data))
    res = invoke(runner, "fsck", ingested.root, "--checkpoint", path)
    assert res.exit_code == 1
    assert f"The checkpoint {path} is not validly signed: it was altered after it was written." in res.output
    bad = invoke(runner, "fsck", ingested.root, "--checkpoint", tmp_path / "nope.json")
    assert bad.exit_code == 2
    assert f"The checkpoint file {tmp_path / 'nope.json'} does not exist." in bad.output


# --------------------------------------------------------------------------- originals swapped end to end


def test_an_original_swapped_end_to_end_is_caught(ingested: Case, tmp_path: Path) -> None:
    """New file stored, every row repointed, old file and row removed, chain recomputed."""
    with ingested.connect() as conn:
        old = conn.exec_driver_sql("SELECT original_sha256 FROM dispatch WHERE id = 1").scalar_one()
    forged = EML.format(n=1).replace("Кипр", "Латвию").encode()
    d = ingested.originals.put_bytes(forged)
    _drop_guards(ingested)
    _sql(
        ingested,
        "INSERT INTO original SELECT ?, ?, ?, ?, media_type, first_seen FROM original WHERE sha256 = ?",
        params=(d.sha256, d.sha1, d.md5, d.size, old),
    )
    for stmt in ("UPDATE dispatch SET original_sha256 = ?, dedup_key = ? WHERE id = 1",):
        _sql(ingested, stmt, params=(d.sha256, d.sha256))
    _sql(ingested, "UPDATE custody SET sha256 = ? WHERE dispatch_id = 1", params=(d.sha256,))
    _sql(ingested, "UPDATE text SET content = replace(content, 'Кипр', 'Латвию') WHERE dispatch_id = 1")
    _sql(ingested, "DELETE FROM original WHERE sha256 = ?", params=(old,))
    path = ingested.originals.path(old)
    os.chmod(path.parent, 0o700)
    path.unlink()
    half_done = _fsck(ingested)
    changed = {c["dispatch_id"]: c["changed"] for c in half_done.changed_dispatches}
    assert changed == {1: ["subject, sender, status or other fields", "texts", "custody records", "original hashes"]}
    # the thorough attacker also rewrites the ingest entry (new sha256, digest recomputed) and the whole chain
    with ingested.connect() as conn:
        digest = rows_digest(conn, 1)
        details = json.loads(conn.exec_driver_sql(
            "SELECT details FROM audit WHERE object = 'dispatch 1' AND action = 'intake.ingest'").scalar_one())
    details.update(sha256=d.sha256, rows_digest=digest)
    _sql(ingested, "UPDATE audit SET details = ? WHERE object = 'dispatch 1' AND action = 'intake.ingest'",
         params=(audit.canonical(details),))
    _recompute_chain(ingested)
    report = _fsck(ingested, tmp_path / "kept-elsewhere.json")
    assert not report.ok and report.changed_dispatches == []
    problems = {b["problem"] for b in report.broken_audit_rows}
    assert problems == {"its seal does not match: the entry was rewritten without the desk key"}
    assert any("differs from the checkpoint" in p for p in report.problems)


# --------------------------------------------------------------------------- derived rows edited


@pytest.mark.parametrize(
    ("statement", "changed"),
    [
        ("UPDATE dispatch SET subject = 'Nothing to see' WHERE id = 2", [FIELDS]),
        ("UPDATE dispatch SET sender = 'someone@else.example' WHERE id = 2", [FIELDS]),
        ("UPDATE dispatch SET pgp_status = 'signed-good' WHERE id = 2", [FIELDS]),
        ("UPDATE text SET content = 'Платёж не уходил.' WHERE dispatch_id = 2", ["texts"]),
        ("UPDATE dispatch_headers SET headers = replace(headers, '@', '@mallory.') WHERE dispatch_id = 2", ["headers"]),
        ("UPDATE dispatch_headers SET headers = 'not JSON' WHERE dispatch_id = 2", ["headers"]),
        ("DELETE FROM custody WHERE dispatch_id = 2", ["custody records"]),
        ("UPDATE original SET md5 = '00000000000000000000000000000000' WHERE sha256 = "
         "(SELECT original_sha256 FROM dispatch WHERE id = 2)", ["original hashes"]),
    ],
)
def test_an_edited_derived_row_names_its_dispatch(ingested: Case, statement: str, changed: list[str]) -> None:
    _sql(ingested, statement)
    report = _fsck(ingested)
    assert [(c["dispatch_id"], c["changed"]) for c in report.changed_dispatches] == [(2, changed)]
    assert not report.ok


def test_an_edited_md5_is_also_caught_against_the_original(ingested: Case) -> None:
    _sql(ingested, "UPDATE original SET md5 = '0' WHERE sha256 = (SELECT original_sha256 FROM dispatch WHERE id = 3)")
    report = _fsck(ingested)
    assert [d["problem"] for d in report.damaged_originals] == ["its recorded sha1 or md5 was changed in the database"]


def test_a_change_made_by_leakdesk_itself_is_not_flagged(ingested: Case) -> None:
    from leakdesk.store import tables as t

    with ingested.transaction() as conn:
        conn.execute(t.text.update().where(t.text.c.dispatch_id == 2).values(content="re-extracted"))
        ingested.record_dispatch_digest(conn, 2, "intake.re-extract", {"why": "test"})
    assert ingested.fsck().ok


def test_a_deleted_dispatch_whose_ingest_is_audited_is_reported(ingested: Case, runner) -> None:  # type: ignore[no-untyped-def]
    _sql(ingested, *(f"DELETE FROM {tbl} WHERE dispatch_id = 3" for tbl in ("dispatch_headers", "text", "custody")),
         "DELETE FROM dispatch WHERE id = 3")
    res = invoke(runner, "fsck", ingested.root)
    assert res.exit_code == 1
    assert "Dispatch 3: was deleted, though audit entry" in res.output and "records it." in res.output


# --------------------------------------------------------------------------- the originals folder


def test_stray_files_modes_symlinks_and_fifos_in_originals_are_reported(ingested: Case, tmp_path: Path) -> None:
    root = ingested.root / "originals"
    with ingested.connect() as conn:
        one, two = conn.exec_driver_sql("SELECT original_sha256 FROM dispatch ORDER BY id LIMIT 2").scalars()
    (root / "notes.txt").write_text("stray")
    os.chmod(ingested.originals.path(one), 0o666)
    target = ingested.originals.path(two)
    secret = tmp_path / "id_ed25519"
    secret.write_text("PRIVATE KEY")
    os.chmod(target.parent, 0o700)
    target.unlink()
    target.symlink_to(secret)
    os.mkfifo(root / "ab")  # a FIFO where a fan-out folder belongs: must not hang fsck
    (root / ".incoming" / "tmpx").write_bytes(b"half")
    report = _fsck(ingested)
    found = {f["path"]: f["problem"] for f in report.originals_folder}
    assert found == {
        "originals/notes.txt": "is a file that does not belong in the originals folder",
        f"originals/{one[:2]}/{one[2:4]}/{one}": "can be changed (mode 0666; originals are 0400)",
        f"originals/{two[:2]}/{two[2:4]}/{two}": "is a symbolic link (not followed)",
        "originals/ab": "is a named pipe (FIFO), not a file (not opened)",
    }
    assert "originals/.incoming/tmpx: left by an interrupted ingest (safe to delete)." in report.warnings
    assert report.damaged_originals == [] and report.missing_originals == []  # the symlink was not followed
    assert not report.ok


# --------------------------------------------------------------------------- private by default


def test_a_new_case_is_private(case: Case) -> None:
    mode = lambda p: stat.S_IMODE(os.lstat(p).st_mode)  # noqa: E731
    assert mode(case.root) == 0o700
    assert mode(case.root / "case.json") == 0o600
    assert mode(case.root / "case.db") == 0o600
    for sub in ("originals", "exports", "reports"):
        assert mode(case.root / sub) == 0o700
    d = case.originals.put_bytes(b"private letter")
    assert mode(case.originals.path(d.sha256)) == 0o400
    assert mode(case.originals.path(d.sha256).parent) == 0o700
    key = Path(os.environ["LEAKDESK_HOME"]) / "desk-key.pem"
    assert mode(key) == 0o600 and mode(key.parent) == 0o700
    assert not any(case.root.rglob("desk-key*"))  # the key is never in the case


def test_fsck_warns_about_what_other_users_can_read(ingested: Case) -> None:
    os.chmod(ingested.root, 0o755)
    os.chmod(ingested.root / "case.db", 0o644)
    report = _fsck(ingested)
    assert f"Other users of this computer can read {ingested.root} (mode 0755)." in report.warnings
    assert f"Other users of this computer can read {ingested.root / 'case.db'} (mode 0644)." in report.warnings
    assert report.ok  # a warning, not damage


# --------------------------------------------------------------------------- cases from before sealing, other desks


def test_a_case_made_before_sealing_still_opens_and_fsck_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command

    from leakdesk.store import db

    monkeypatch.setenv("LEAKDESK_HOME", str(tmp_path / "old-desk"))
    old = Case.init(tmp_path / "old")
    with old.transaction() as conn:
        old.audit(conn, "test.before", "x")
    command.downgrade(db.alembic_config(old.engine), "0005")  # the schema of the leakdesk before this change
    old.close()
    monkeypatch.setenv("LEAKDESK_HOME", str(tmp_path / "new-desk"))
    case = Case.open(tmp_path / "old")
    report = case.fsck()
    assert report.ok, _problems(report)
    assert ("2 audit entries were written before leakdesk sealed its audit log; they are chained but not keyed, "
            "so a rewrite of them is caught only by a checkpoint.") in report.warnings
    with case.transaction() as conn:
        case.audit(conn, "test.after", "y")
    assert case.fsck().ok
    _drop_guards(case)
    _sql(case, "DELETE FROM audit_seal WHERE seq = 3")
    assert [b["seq"] for b in case.fsck().broken_audit_rows] == [3]  # from the desk's anchor on, seals are due
    case.close()


def test_another_desk_without_the_key_is_told_the_seals_were_not_checked(
    ingested: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner  # type: ignore[no-untyped-def]
) -> None:
    with ingested.connect() as conn:
        key_id = conn.exec_driver_sql("SELECT key_id FROM audit_seal WHERE seq = 1").scalar_one()
    monkeypatch.setenv("LEAKDESK_HOME", str(tmp_path / "partner"))
    res = invoke(runner, "fsck", ingested.root, "--checkpoint", tmp_path / "kept-elsewhere.json")
    assert res.exit_code == 0, res.output
    assert "which this computer does not hold; their seals were not checked." in res.output
    assert f"signed by desk key {key_id}, not by this desk's key" in res.output


def test_checkpoint_cli_writes_a_signed_head_and_fsck_shows_it(ingested: Case, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cp2.json"
    res = invoke(runner, "checkpoint", ingested.root, out)
    assert res.exit_code == 0, res.output
    st = json.loads(out.read_text())["statement"]
    assert (st["originals"], st["dispatches"]) == (3, 3)
    assert res.output.startswith(f"Checkpoint written to {out}: audit entry {st['seq']}, hash {st['hash']}, "
                                 "3 originals, 3 dispatches; signed with desk key ")
    with ingested.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT action FROM audit WHERE seq = {st['seq']}").scalar() == "audit.checkpoint"
    ok = invoke(runner, "fsck", ingested.root)
    assert ok.exit_code == 0, ok.output
    assert f"Head: audit entry {st['seq']} (audit.checkpoint, " in ok.output
    assert f"Compared with the checkpoint {Path(os.environ['LEAKDESK_HOME'])}/checkpoints/" in ok.output
    assert "All is well." in ok.output


# --------------------------------------------------------------------------- secrets


def test_a_libretranslate_url_with_credentials_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakdesk.errors import TranslationError
    from leakdesk.language.translate.libretranslate import LibreTranslateEngine

    engine = LibreTranslateEngine("http://desk:hunter2@127.0.0.1:9/?api_key=s3cret", "ru", "en")
    assert engine.model == "libretranslate@127.0.0.1:9"  # model names reach translation rows and reports
    with pytest.raises(TranslationError) as err:
        engine.translate(["Привет"])
    assert str(err.value).startswith(
        "Could not reach the LibreTranslate server at http://desk:***@127.0.0.1:9/?api_key=***"
    )
    with pytest.raises(TranslationError, match=r"'ftp://desk:\*\*\*@host/' is not a web address"):
        LibreTranslateEngine("ftp://desk:hunter2@host/", "ru", "en")


MULTIPART = (
    "From: Fialka <fialka@example.net>\r\nTo: desk@example.org\r\nSubject: Vlozhenie\r\n"
    "Message-ID: <attach-1@example.net>\r\nDate: Tue, 03 Mar 2026 09:15:00 +0300\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
    "Смотрите вложение.\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
    'Content-Disposition: attachment; filename="schet.txt"\r\n\r\nСчёт 17 оплачен.\r\n--b1--\r\n'
)


def test_an_attachment_edited_by_leakdesk_or_by_hand(case: Case, tmp_path: Path) -> None:
    from leakdesk.store import tables as t

    (tmp_path / "m.eml").write_bytes(MULTIPART.encode())
    ingest_paths(case, [tmp_path / "m.eml"], progress=False)
    with case.connect() as conn:
        child = conn.exec_driver_sql("SELECT id FROM dispatch WHERE parent_id IS NOT NULL").scalar_one()
    with case.transaction() as conn:  # e.g. OCR adding a text to an attachment
        conn.execute(t.text.insert().values(dispatch_id=child, role="attachment", content="OCR text",
                                            extractor="tesseract", extractor_version="5"))
        case.record_dispatch_digest(conn, child, "intake.ocr")
    assert case.fsck().ok
    _sql(case, f"UPDATE text SET content = 'Счёт 17 не оплачен.' WHERE dispatch_id = {child} "
               "AND extractor != 'tesseract'")
    report = case.fsck()
    assert [(c["dispatch_id"], c["changed"]) for c in report.changed_dispatches] == [(1, ["texts"])]


def test_an_older_case_readable_by_others_is_made_private(ingested: Case, runner) -> None:  # type: ignore[no-untyped-def]
    """The state of cases made before this change: folder 0755, files 0644, originals 0444."""
    for path in [ingested.root, *ingested.root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            os.chmod(path, 0o755)
        else:
            os.chmod(path, 0o444 if "originals" in path.parts else 0o644)
    before = _fsck(ingested)
    assert any("can be read by other users (mode 0444; originals are 0400)" in w for w in before.warnings)
    assert f"Other users of this computer can read {ingested.root / 'case.json'} (mode 0644)." in before.warnings
    res = invoke(runner, "fsck", ingested.root, "--make-private")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Made the case private: ")
    assert "Other users" not in res.output and "can be read by other users" not in res.output
    mode = lambda p: stat.S_IMODE(os.lstat(p).st_mode)  # noqa: E731
    assert (mode(ingested.root), mode(ingested.root / "case.db")) == (0o700, 0o600)
    assert {mode(p) for p in (ingested.root / "originals").rglob("*") if p.is_file()} == {0o400}
    with ingested.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit WHERE action = 'case.make-private'").scalar() == 1


def test_files_inside_a_private_folder_are_not_reported(ingested: Case) -> None:
    (ingested.exports / "report.html").write_text("x")
    os.chmod(ingested.exports / "report.html", 0o644)  # written with the usual umask, inside exports/ (0700)
    assert not any("report.html" in w for w in _fsck(ingested).warnings)


def test_every_way_intake_adds_custody_keeps_fsck_clean(case: Case, tmp_path: Path) -> None:
    """Re-receipt of the same bytes, and of the same letter with other line endings, re-record the digest."""
    crlf = EML.format(n=7).encode()
    for name, data in (("a.eml", crlf), ("b.eml", crlf), ("c.eml", crlf.replace(b"\r\n", b"\n"))):
        (tmp_path / name).write_bytes(data)
        ingest_paths(case, [tmp_path / name], progress=False)
    with case.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM custody WHERE dispatch_id = 1").scalar() == 3
    report = case.fsck()
    assert report.ok, _problems(report)


def test_a_digest_from_another_leakdesk_version_is_not_compared(ingested: Case) -> None:
    with ingested.transaction() as conn:
        ingested.audit(conn, "intake.old-style", "dispatch 1", {"rows_digest": {"v": 1, "texts": "0" * 64}})
    report = ingested.fsck()
    assert report.ok and report.changed_dispatches == []
    assert any(w.startswith("Dispatch 1: its rows were recorded by another version of leakdesk (audit entry ")
               for w in report.warnings)


def test_a_partner_pins_the_desk_key_of_the_checkpoint(
    ingested: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner  # type: ignore[no-untyped-def]
) -> None:
    """An attacker who rewrote the log signs a fresh checkpoint with a key of their own: the pinned id refuses it."""
    shown = invoke(runner, "desk-key")
    assert shown.exit_code == 0
    desk_id = shown.output.split()[2].rstrip(",")
    assert shown.output == (f"Desk key {desk_id}, kept in {os.environ['LEAKDESK_HOME']}/desk-key.pem (back it up; "
                            "never put it in a case folder).\n")
    monkeypatch.setenv("LEAKDESK_HOME", str(tmp_path / "mallory"))
    forged = tmp_path / "forged.json"
    assert invoke(runner, "checkpoint", ingested.root, forged).exit_code == 0
    monkeypatch.setenv("LEAKDESK_HOME", str(tmp_path / "partner"))
    res = invoke(runner, "fsck", ingested.root, "--checkpoint", forged, "--key-id", desk_id)
    assert res.exit_code == 1
    assert f"not by {desk_id}: it is not a checkpoint of the desk you trust." in res.output
    good = invoke(runner, "fsck", ingested.root, "--checkpoint", tmp_path / "kept-elsewhere.json", "--key-id", desk_id)
    assert good.exit_code == 0, good.output  # the desk's own checkpoint, signed by the pinned key, holds
    assert "not by this desk's key" not in good.output


def test_fsck_bulk_digests_equal_the_ingest_digests(case: Case, tmp_path: Path) -> None:
    from leakdesk.store.digests import rows_digest, rows_digests

    (tmp_path / "m.eml").write_bytes(MULTIPART.encode())
    (tmp_path / "p.eml").write_bytes(EML.format(n=9).encode())
    ingest_paths(case, [tmp_path / "m.eml", tmp_path / "p.eml"], progress=False)
    with case.connect() as conn:
        tops = list(conn.exec_driver_sql("SELECT id FROM dispatch WHERE parent_id IS NULL ORDER BY id").scalars())
        single = {i: rows_digest(conn, i) for i in tops + [999]}
        for batch in (1, 2000):
            assert rows_digests(conn, tops + [999], batch=batch) == single
    assert single[999] is None and len({json.dumps(single[i]) for i in tops}) == len(tops)


def test_fsck_warns_about_a_desk_key_others_can_read(ingested: Case) -> None:
    key = Path(os.environ["LEAKDESK_HOME"]) / "desk-key.pem"
    os.chmod(key, 0o644)
    assert (f"The desk key {key} can be read by other users; make it private (chmod 600)."
            in _fsck(ingested).warnings)
