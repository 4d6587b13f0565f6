"""Encryption at rest: the key file, SQLCipher case.db, sealed originals, and what an encrypted case refuses."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.errors import CaseError, IntegrityError
from leakdesk.intake.ingest import ingest_paths
from leakdesk.store import encryption
from leakdesk.store.encryption import RECORD, KdfParams
from tests.conftest import invoke
from tests.store.conftest import FAST_KDF, PASSPHRASE, write_passphrase

SUBJECT = "Секретный платёж через Кипр"
BODY = "Перевод ушёл со счёта фонда «Заря» в понедельник."
EML = (
    f"From: Fialka <fialka@example.net>\r\nTo: desk@example.org\r\nSubject: {SUBJECT}\r\n"
    "Message-ID: <enc-{n}@example.net>\r\nDate: Tue, 03 Mar 2026 09:15:00 +0300\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    f"{BODY} {{n}}\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
    'Content-Disposition: attachment; filename="spisok.txt"\r\n\r\nСписок участников {n}: Орлов, Панова.\r\n--b--\r\n'
)


@pytest.fixture
def encrypted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Case:
    monkeypatch.setenv(encryption.PASSPHRASE_ENV, str(write_passphrase(tmp_path)))
    case = Case.init(tmp_path / "case", encrypted=True, kdf=FAST_KDF)
    yield case  # type: ignore[misc]
    case.close()


def _inbox(folder: Path, n: int = 3) -> Path:
    folder.mkdir()
    for i in range(1, n + 1):
        (folder / f"letter{i}.eml").write_bytes(EML.format(n=i).encode())
    return folder


NEEDLES = [w.encode() for w in ("Кипр", "Заря", "Орлов", "fialka@example.net", "Subject:", "spisok")]


def test_no_file_in_the_case_holds_plaintext(encrypted: Case, tmp_path: Path) -> None:
    result = ingest_paths(encrypted, [_inbox(tmp_path / "inbox")], progress=False)
    assert (len(result.created), result.children) == (3, 3)  # three letters, three attachments
    stored = [p for p in (encrypted.root / "originals").rglob("*") if p.is_file()]
    assert len(stored) == 6
    encrypted.close()  # checkpoint the WAL into case.db, remove the decrypted views
    files = stored + [p for p in encrypted.root.glob("case.db*")] + [encrypted.root / "case.key"]
    for path in files:
        data = path.read_bytes()
        found = [n for n in NEEDLES if n in data]
        assert found == [], f"{path} holds {found}"
    for path in stored:
        assert path.read_bytes().startswith(encryption.MAGIC)
        assert hashlib.sha256(path.read_bytes()).hexdigest() != path.name  # named by the plaintext's hash


def test_an_original_round_trips_and_is_named_by_its_plaintext_hash(encrypted: Case) -> None:
    for data in (b"", b"x", os.urandom(RECORD), os.urandom(2 * RECORD + 5)):
        d = encrypted.originals.put_bytes(data)
        assert d.sha256 == hashlib.sha256(data).hexdigest() and d.size == len(data)
        assert encrypted.originals.read_bytes(d.sha256) == data
        assert encrypted.originals.put_bytes(data) == d  # deduplicated, never rewritten
        path = encrypted.originals.path(d.sha256)
        assert stat.S_IMODE(path.stat().st_mode) == 0o400
        view = encrypted.originals.verified_path(d.sha256)  # what OCR and document readers are given
        assert view.read_bytes() == data and not view.is_relative_to(encrypted.root)
    encrypted.close()
    assert not view.exists()  # the decrypted views go when the case closes


def test_case_db_is_not_readable_with_plain_sqlite(encrypted: Case) -> None:
    con = sqlite3.connect(encrypted.root / "case.db")
    with pytest.raises(sqlite3.DatabaseError, match="^file is not a database$"):
        con.execute("SELECT count(*) FROM sqlite_master").fetchall()
    con.close()


def test_opening_needs_the_right_passphrase(encrypted: Case, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    encrypted.close()
    monkeypatch.setenv(encryption.PASSPHRASE_ENV, "")
    with pytest.raises(CaseError) as missing:
        Case.open(encrypted.root)
    assert str(missing.value) == "This case is encrypted; give its passphrase with --passphrase-file."
    with pytest.raises(CaseError) as wrong:
        Case.open(encrypted.root, passphrase=b"correct horse battery stable")
    assert str(wrong.value) == "The passphrase does not open this case."
    with Case.open(encrypted.root, passphrase=PASSPHRASE.encode()) as again:
        assert again.fsck().ok


def test_key_file_holds_neither_the_passphrase_nor_the_data_key(encrypted: Case) -> None:
    text = (encrypted.root / "case.key").read_bytes()
    assert encrypted.key is not None
    data_key = encrypted.key._data_key
    for secret in (PASSPHRASE.encode(), data_key, data_key.hex().encode(), base64.b64encode(data_key)):
        assert secret not in text
    record = json.loads(text)
    assert (record["kdf"], record["time_cost"], record["memory_cost"], record["parallelism"]) == (
        "argon2id", 1, 8192, 1)
    assert stat.S_IMODE((encrypted.root / "case.key").stat().st_mode) == 0o600
    assert "hidden" in repr(encrypted.key) and data_key.hex() not in repr(encrypted.key)


def test_changed_kdf_parameters_do_not_open_the_case(encrypted: Case) -> None:
    path = encrypted.root / "case.key"
    record = json.loads(path.read_text())
    record["time_cost"] = 2
    path.write_text(json.dumps(record))
    with pytest.raises(CaseError, match="^The passphrase does not open this case.$"):
        Case.open(encrypted.root)


def test_default_kdf_is_argon2id_rfc9106(tmp_path: Path) -> None:
    key = encryption.create_key_file(tmp_path, b"pass")
    record = json.loads((tmp_path / "case.key").read_text())
    assert (record["time_cost"], record["memory_cost"], record["parallelism"]) == (3, 65536, 4)
    assert KdfParams() == KdfParams(3, 65536, 4)
    assert encryption.open_key_file(tmp_path, b"pass").database_key() == key.database_key()


def test_a_flipped_byte_in_a_sealed_original_is_tampering(encrypted: Case, tmp_path: Path) -> None:
    ingest_paths(encrypted, [_inbox(tmp_path / "inbox", 1)], progress=False)
    assert encrypted.fsck().ok
    victim = sorted(p for p in (encrypted.root / "originals").rglob("*") if p.is_file())[0]
    os.chmod(victim, 0o600)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    os.chmod(victim, 0o400)
    with pytest.raises(IntegrityError) as err:
        encrypted.originals.read_bytes(victim.name)
    assert str(err.value) == (f"The original {victim.name} has been altered on disk (its encrypted bytes no longer "
                              "decrypt). Restore it from a backup; leakdesk will not use it.")
    report = encrypted.fsck()
    assert not report.ok
    assert report.damaged_originals == [
        {"sha256": victim.name, "problem": "its encrypted bytes were altered (they no longer decrypt)"}]


@pytest.mark.parametrize("cut", ["truncated", "extended"])
def test_a_truncated_or_extended_original_does_not_open(encrypted: Case, cut: str) -> None:
    d = encrypted.originals.put_bytes(os.urandom(RECORD + 100))
    path = encrypted.originals.path(d.sha256)
    os.chmod(path, 0o600)
    data = path.read_bytes()
    path.write_bytes(data[: -(100 + 17)] if cut == "truncated" else data + b"\0" * 17)
    with pytest.raises(IntegrityError, match="its encrypted bytes no longer decrypt"):
        encrypted.originals.read_bytes(d.sha256)


def test_cli_init_encrypted_then_every_command_with_passphrase_file(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pp = write_passphrase(tmp_path)
    made = invoke(runner, "init", tmp_path / "c", "--encrypted", "--passphrase-file", pp)
    assert made.exit_code == 0, made.output
    assert made.output == (f"Case created at {tmp_path / 'c'} (sqlite, encrypted; keep its passphrase safe, without "
                           "it the case cannot be opened).\n")
    assert PASSPHRASE not in made.output
    settings = json.loads((tmp_path / "c" / "case.json").read_text())
    assert settings["encrypted"] is True and PASSPHRASE not in json.dumps(settings)
    refused = invoke(runner, "fsck", tmp_path / "c")
    assert refused.exit_code == 1
    assert refused.output == "Error: This case is encrypted; give its passphrase with --passphrase-file.\n"
    bad = tmp_path / "bad.txt"
    bad.write_text("not it\n")
    wrong = invoke(runner, "--passphrase-file", bad, "fsck", tmp_path / "c")
    assert (wrong.exit_code, wrong.output) == (1, "Error: The passphrase does not open this case.\n")
    ok = invoke(runner, "--passphrase-file", pp, "fsck", tmp_path / "c")
    assert ok.exit_code == 0 and ok.output.endswith("All is well.\n")


def test_cli_init_refuses_without_passphrase_and_with_postgresql(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    none = invoke(runner, "init", tmp_path / "c", "--encrypted")
    assert none.exit_code == 2
    assert none.output == "Error: An encrypted case needs a passphrase; give it with --passphrase-file.\n"
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    res = invoke(runner, "init", tmp_path / "c", "--encrypted", "--passphrase-file", empty)
    assert (res.exit_code, res.output) == (1, f"Error: The passphrase file {empty} is empty.\n")
    pg = invoke(runner, "init", tmp_path / "c", "--encrypted", "--passphrase-file", write_passphrase(tmp_path),
                "--db", "postgresql://desk@127.0.0.1:1/leakdesk")
    assert pg.exit_code == 1
    assert pg.output == ("Error: Only a case's own case.db can be encrypted by leakdesk; a PostgreSQL database is "
                         "encrypted by its server (TDE or disk encryption), so use --encrypted without --db.\n")
    assert not (tmp_path / "c").exists()  # nothing made


def _count_dispatches(case_root: Path, database_key: str) -> int:
    from sqlcipher3 import dbapi2 as sqlcipher

    con = sqlcipher.connect(str(case_root / "case.db"), timeout=30)
    try:
        con.execute(f'PRAGMA key="{database_key}"')
        return int(con.execute("SELECT count(*) FROM dispatch").fetchone()[0])
    except sqlcipher.OperationalError:
        return 0  # busy, or the schema is still being written
    finally:
        con.close()


@pytest.mark.slow
def test_kill_9_during_an_encrypted_ingest_then_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import random
    import signal
    import subprocess
    import sys
    import time

    import sqlalchemy as sa

    from leakdesk.store import tables as t
    from leakdesk.store.originals import PACK_MEDIA_TYPE
    from tests.intake.conftest import RU_TEXT, mbox_bytes, raw_message, with_attachment

    monkeypatch.setenv(encryption.PASSPHRASE_ENV, str(write_passphrase(tmp_path)))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(60):
        data = (with_attachment(RU_TEXT.encode() * 3, f"notes-{i}.txt", "text", "plain", message_id=f"<k{i}@x>")
                if i % 10 == 0 else raw_message(f"Letter {i}. {RU_TEXT}".encode(), message_id=f"<k{i}@x>"))
        (inbox / f"{i:04d}.eml").write_bytes(data)
    (inbox / "zz.mbox").write_bytes(mbox_bytes(  # every 10th with an attachment: they go to sealed packs
        [with_attachment(f"Boxed notes {i}.\n".encode() * 30, f"boxed-{i}.txt", "text", "plain",
                         message_id=f"<kb{i}@x>")
         if i % 10 == 0 else raw_message(f"Boxed letter {i}.\n".encode(), message_id=f"<kb{i}@x>")
         for i in range(300)]))
    with Case.init(tmp_path / "case", encrypted=True, kdf=FAST_KDF) as made:
        assert made.key is not None
        db_key = made.key.database_key()
    cmd = [sys.executable, "-m", "leakdesk.cli.main", "ingest", str(tmp_path / "case"), str(inbox), "--json"]
    rng, seen = random.Random(20261202), []
    for target in (5, 40, 120):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline and _count_dispatches(tmp_path / "case",
                                                                                       db_key) < target:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen.append(_count_dispatches(tmp_path / "case", db_key))
    assert any(0 < n < 396 for n in seen), f"no kill landed in the middle of the work: {seen}"
    assert subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600).returncode == 0
    with Case.open(tmp_path / "case") as case, case.connect() as conn:
        d = t.dispatch.c
        assert conn.execute(sa.select(sa.func.count()).where(d.parent_id.is_(None), d.kind == "email")).scalar() \
            == 360  # every message exactly once
        assert conn.execute(sa.select(sa.func.count()).where(d.parent_id.is_not(None))).scalar() == 36
        packs = set(conn.execute(sa.select(t.original.c.sha256)
                                 .where(t.original.c.media_type == PACK_MEDIA_TYPE)).scalars())
        assert packs  # the mbox's attachments are in a pack (or more, one per batch that got that far)
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        report = case.fsck()
        assert report.ok, report
        for sha in conn.execute(sa.select(t.original.c.sha256)).scalars():  # a slice is inside its sealed mbox/pack
            found = case.originals.slice_of(sha)
            stored = case.originals.path(sha if found is None else found.container)
            assert stored.read_bytes().startswith(encryption.MAGIC)
    print("dispatches after each kill:", seen)


@pytest.mark.slow
def test_ingest_run_and_report_on_an_encrypted_sample_case(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.sample import sample_dir

    pp, case = write_passphrase(tmp_path), tmp_path / "sample"
    assert invoke(runner, "init", case, "--encrypted", "--passphrase-file", pp).exit_code == 0
    ingested = invoke(runner, "--passphrase-file", pp, "ingest", case, sample_dir() / "mail", "--series", "Fialka",
                      "--json")
    assert ingested.exit_code == 0, ingested.output
    assert len(json.loads(ingested.stdout)["created"]) == 16  # 11 letters, 5 attachments and nested messages
    ran = invoke(runner, "--passphrase-file", pp, "run", case, "--json")
    assert ran.exit_code == 0, ran.output
    stages = {s["name"]: s for s in json.loads(ran.stdout)["stages"]}
    assert stages["claims"]["done"] > 0 and stages["verify"]["done"] > 0
    assert all(s["failed"] == 0 for s in stages.values())
    reported = invoke(runner, "--passphrase-file", pp, "report", case)
    assert reported.exit_code == 0, reported.output
    html = (case / "reports" / "report.html").read_text("utf-8")
    assert "Fialka" in html
    checked = invoke(runner, "--passphrase-file", pp, "fsck", case)
    assert checked.exit_code == 0 and checked.output.endswith("All is well.\n")
    for path in (case / "originals").rglob("*"):
        assert not path.is_file() or path.read_bytes().startswith(encryption.MAGIC)
    import sqlalchemy as sa

    from leakdesk.store import tables as t

    os.environ[encryption.PASSPHRASE_ENV] = str(pp)  # restored by the autouse fixture
    with Case.open(case) as opened, opened.connect() as conn:  # the PDF, DOCX and scan were read through views
        read = dict(conn.execute(sa.select(t.dispatch.c.filename, sa.func.sum(sa.func.length(t.text.c.content)))
                                 .join(t.text, t.text.c.dispatch_id == t.dispatch.c.id)
                                 .where(t.dispatch.c.filename.is_not(None)).group_by(t.dispatch.c.filename)).all())
    assert all(read.get(name, 0) > 100 for name in ("справка-итуруп.pdf", "tezisy.docx", "скан-114.jpg")), read


def test_init_asks_for_the_passphrase_without_echo_on_a_terminal(tmp_path: Path) -> None:
    import pty
    import select
    import subprocess
    import sys

    main, secondary = pty.openpty()
    env = dict(os.environ, LEAKDESK_HOME=str(tmp_path / "home"))
    proc = subprocess.Popen([sys.executable, "-m", "leakdesk.cli.main", "init", str(tmp_path / "c"), "--encrypted"],
                            stdin=secondary, stdout=secondary, stderr=secondary, env=env, close_fds=True)
    os.close(secondary)
    seen = b""

    def until(text: bytes) -> None:
        nonlocal seen
        while text not in seen:
            ready, _, _ = select.select([main], [], [], 60)
            assert ready, seen
            seen += os.read(main, 1024)

    until(b"Passphrase: ")
    os.write(main, b"typed secret words\n")
    until(b"Repeat for confirmation: ")
    os.write(main, b"typed secret words\n")
    assert proc.wait(timeout=120) == 0
    until(b"encrypted; keep its passphrase safe")
    os.close(main)
    assert b"typed secret" not in seen  # never echoed
    with Case.open(tmp_path / "c", passphrase=b"typed secret words") as case:
        assert case.key is not None and case.fsck().ok


def test_views_left_by_a_killed_process_are_removed(encrypted: Case, tmp_path: Path) -> None:
    import subprocess
    import sys

    from leakdesk.store.originals import VIEWS_PREFIX

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    d = encrypted.originals.put_bytes(b"a letter")
    view = encrypted.originals.verified_path(d.sha256)
    stale = view.parent.parent / f"{VIEWS_PREFIX}{dead.stdout.strip()}-left"
    stale.mkdir()
    (stale / d.sha256).write_bytes(b"a letter")
    encrypted.close()
    with Case.open(encrypted.root) as again:
        again.originals.verified_path(d.sha256)
        assert not stale.exists()


def test_decrypted_views_stay_bounded(encrypted: Case) -> None:
    from leakdesk.store import originals as store_originals

    shas = [encrypted.originals.put_bytes(f"letter {i}".encode()).sha256 for i in range(store_originals.MAX_VIEWS + 6)]
    views = [encrypted.originals.verified_path(sha) for sha in shas]
    assert sum(v.exists() for v in views) == store_originals.MAX_VIEWS
    assert not views[0].exists() and views[-1].exists()  # the least recently used went first
    again = encrypted.originals.readable_path(shas[0])  # decrypted again when asked for
    assert again.read_bytes() == b"letter 0"
    assert encrypted.originals.verified_path(shas[-1]).read_bytes() == f"letter {len(shas) - 1}".encode()
