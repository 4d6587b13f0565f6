"""`leakdesk imap` against a real Dovecot on 127.0.0.1: resumable, idempotent, read-only, clear errors."""

from __future__ import annotations

import imaplib
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake.imap import decode_folder, encode_folder, read_password_file
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.servers import Dovecot, free_port


def _has_ingest() -> bool:
    try:
        from leakdesk.intake.ingest import ingest_message_bytes  # noqa: F401
    except ImportError:
        return False
    return True


needs_ingest = pytest.mark.skipif(not _has_ingest(), reason="leakdesk.intake.ingest is not on this branch yet")


def letter(n: int, subject: str, body: str, charset: str = "utf-8") -> bytes:
    head = (
        f"From: Fialka <fialka@example.net>\r\nTo: desk@example.org\r\nSubject: {subject}\r\n"
        f"Message-ID: <imap-{n}@example.net>\r\nDate: Mon, 0{n} Mar 2026 10:00:00 +0300\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode("ascii") + body.replace("\n", "\r\n").encode(charset)


def with_attachment(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "fialka@example.net", "desk@example.org", "Список"
    msg["Message-ID"] = f"<imap-{n}@example.net>"
    msg.set_content("Список во вложении.\n")
    msg.add_attachment("Иванов И. И.\nПетров П. П.\n".encode(), maintype="text", subtype="plain", filename="список.txt")
    return msg.as_bytes().replace(b"\n", b"\r\n")


FIRST = [
    letter(1, "=?utf-8?b?0J/QuNGB0YzQvNC+IDE=?=", "Первое письмо: встреча в четверг.\n"),
    letter(2, "koi8", "Второе письмо в кодировке КОИ-8.\n", charset="koi8-r"),
    with_attachment(3),
]
MORE = [letter(4, "four", "Четвёртое письмо.\n"), letter(5, "five", "Пятое письмо.\n")]


def run_imap(runner, case: Case, dovecot: Dovecot, folder: str, tmp_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    return invoke(
        runner,
        "imap",
        case.root,
        "--host",
        dovecot.host,
        "--port",
        str(dovecot.port),
        "--user",
        dovecot.user,
        "--password-file",
        dovecot.password_file(tmp_path),
        "--folder",
        folder,
        "--no-ssl",
        *extra,
    )


def dispatch_rows(case: Case) -> list[sa.Row]:
    with case.connect() as conn:
        return list(conn.execute(sa.select(t.dispatch).where(t.dispatch.c.parent_id.is_(None)).order_by("id")))


def custody_sources(case: Case) -> list[str]:
    with case.connect() as conn:
        top = sa.select(t.dispatch.c.id).where(t.dispatch.c.parent_id.is_(None))
        query = sa.select(t.custody.c.source).where(t.custody.c.channel == "imap", t.custody.c.dispatch_id.in_(top))
        return list(conn.execute(query).scalars())


@needs_ingest
def test_fetch_then_resume_then_nothing_new(runner, case: Case, dovecot: Dovecot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = dovecot.fresh_folder("Leaks")
    dovecot.append(folder, *FIRST)

    res = run_imap(runner, case, dovecot, folder, tmp_path, "--json", "--series", "Fialka")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["fetched"], out["new"], out["duplicates"], out["failed"]) == (3, 3, 0, 0)
    assert (out["first_uid"], out["last_uid"]) == (1, 3)
    rows = dispatch_rows(case)
    assert [r.message_id for r in rows] == [f"<imap-{n}@example.net>" for n in (1, 2, 3)]
    assert all(r.channel == "imap" and r.status == "ok" for r in rows)
    assert rows[0].subject == "Письмо 1"
    with case.connect() as conn:
        texts = [r.content for r in conn.execute(sa.select(t.text.c.content))]
        series_ids = {r.series_id for r in rows}
        series_name = conn.execute(sa.select(t.series.c.name).where(t.series.c.id.in_(series_ids))).scalars().all()
        attachments = conn.execute(sa.select(t.dispatch).where(t.dispatch.c.parent_id == rows[2].id)).all()
    assert any("Второе письмо в кодировке КОИ-8" in x for x in texts)  # KOI8-R decoded
    assert any("Петров П. П." in x for x in texts)  # the attachment's text
    assert series_name == ["Fialka"] and [a.filename for a in attachments] == ["список.txt"]
    base = f"imap://{dovecot.user}@127.0.0.1:{dovecot.port}/{folder};UIDVALIDITY={out['uidvalidity']}"
    assert sorted(custody_sources(case)) == [f"{base};UID={u}" for u in (1, 2, 3)]
    assert case.originals.read_bytes(rows[1].original_sha256) == FIRST[1]  # the bytes exactly as on the server

    dovecot.append(folder, *MORE)
    res = run_imap(runner, case, dovecot, folder, tmp_path)
    assert res.exit_code == 0, res.output
    line = f"{dovecot.user}@127.0.0.1:{dovecot.port}/{folder}: fetched 2 messages (UID 4-5): 2 new, 0 already"
    assert line in " ".join(res.output.split())
    assert len(dispatch_rows(case)) == 5 and len(custody_sources(case)) == 5

    res = run_imap(runner, case, dovecot, folder, tmp_path)
    assert res.exit_code == 0, res.output
    assert "nothing new (5 messages in the folder)" in res.output
    assert len(dispatch_rows(case)) == 5 and len(custody_sources(case)) == 5
    with case.connect() as conn:
        state = conn.execute(sa.select(t.imap_state)).one()
        actions = conn.execute(sa.select(t.audit.c.action).where(t.audit.c.action.like("imap.%"))).scalars().all()
    assert (state.mailbox, state.last_uid) == (f"{dovecot.user}@127.0.0.1:{dovecot.port}/{folder}", 5)
    assert actions == ["imap.fetch", "imap.fetch"]

    client = dovecot.imap()  # fetching never marked anything as read
    client.select(encode_folder(folder), readonly=True)
    _, flags = client.uid("FETCH", "1:*", "(FLAGS)")
    client.logout()
    assert not any(b"\\Seen" in f for f in flags if isinstance(f, bytes)), flags


@needs_ingest
def test_changed_uidvalidity_rescans_without_duplicates(runner, case: Case, dovecot: Dovecot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = dovecot.fresh_folder("Renumbered")
    dovecot.append(folder, *FIRST)
    assert run_imap(runner, case, dovecot, folder, tmp_path).exit_code == 0
    client = dovecot.imap()
    client.delete(encode_folder(folder))
    client.logout()
    dovecot.append(folder, *FIRST, MORE[0])

    res = run_imap(runner, case, dovecot, folder, tmp_path, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["rescanned"] is True and out["previous_uidvalidity"] != out["uidvalidity"]
    assert (out["fetched"], out["new"], out["duplicates"]) == (4, 1, 3)
    assert len(dispatch_rows(case)) == 4


@needs_ingest
def test_folder_with_a_cyrillic_name_and_spaces(runner, case: Case, dovecot: Dovecot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = dovecot.fresh_folder("Письма Фиалки")
    client = dovecot.imap()
    assert client.create(encode_folder(folder))[0] == "OK"
    assert client.append(encode_folder(folder), None, None, MORE[1])[0] == "OK"
    client.logout()
    res = run_imap(runner, case, dovecot, folder, tmp_path, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["new"] == 1


@needs_ingest
def test_user_name_and_password_that_are_not_ascii(runner, case: Case, dovecot: Dovecot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    client.authenticate("PLAIN", lambda _: f"\0{dovecot.utf8_user}\0{dovecot.utf8_password}".encode())
    assert client.append("INBOX", None, None, MORE[0])[0] == "OK"
    client.logout()
    pw = dovecot.password_file(tmp_path, dovecot.utf8_password)
    res = invoke(
        runner, "imap", case.root, "--host", dovecot.host, "--port", str(dovecot.port), "--user", dovecot.utf8_user,
        "--password-file", pw, "--no-ssl", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["new"] == 1


def test_batches_are_bounded_by_count_and_size(dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    from leakdesk.intake import imap

    folder = dovecot.fresh_folder("Sizes")
    big = letter(7, "big", "ж" * 6000 + "\n")  # about 12 KB
    dovecot.append(folder, *([MORE[0]] * 5 + [big, big] + [MORE[1]] * 3))
    monkeypatch.setattr(imap, "BATCH", 4)
    monkeypatch.setattr(imap, "BATCH_BYTES", 20_000)
    client = dovecot.imap()
    client.select(encode_folder(folder), readonly=True)
    got = list(imap.batches(client, list(range(1, 11))))
    fetched = [uid for uid, _, _ in imap.fetch(client, list(range(1, 11)))]
    client.logout()
    assert got == [[1, 2, 3, 4], [5, 6], [7, 8, 9, 10]]
    assert fetched == list(range(1, 11))


def test_folder_names_round_trip_in_modified_utf7() -> None:
    assert encode_folder("INBOX") == '"INBOX"'
    assert encode_folder('Входящие & "x"') == '"&BBIERQQ+BDQETwRJBDgENQ- &- \\"x\\""'
    for name in ("Входящие", "a&b", "日本語 box", "Leaks/2026"):
        assert decode_folder(encode_folder(name)[1:-1].replace('\\"', '"').replace("\\\\", "\\")) == name


# --------------------------------------------------------------------------- errors: one sentence, no traceback


def error_text(res) -> str:  # type: ignore[no-untyped-def]
    assert "Traceback" not in res.output
    return " ".join(res.output.split())


def test_wrong_password(runner, case: Case, dovecot: Dovecot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pw = dovecot.password_file(tmp_path, "not-the-password")
    res = invoke(
        runner, "imap", case.root, "--host", "127.0.0.1", "--port", str(dovecot.port), "--user", dovecot.user,
        "--password-file", pw, "--folder", "INBOX", "--no-ssl",
    )  # fmt: skip
    assert res.exit_code == 1
    assert error_text(res) == (
        f"Error: The IMAP server 127.0.0.1:{dovecot.port} refused the login of user 'analyst': "
        "wrong user name or password."
    )
    assert "not-the-password" not in res.output


def test_unknown_folder(runner, case: Case, dovecot: Dovecot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = run_imap(runner, case, dovecot, "Nope", tmp_path)
    assert res.exit_code == 1
    text = error_text(res)
    assert text.startswith(
        f"Error: The folder 'Nope' does not exist on the IMAP server 127.0.0.1:{dovecot.port} (folders there: "
    )
    assert "INBOX" in text


def test_connection_refused(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    (tmp_path / "pw").write_text("x\n")
    res = invoke(
        runner, "imap", case.root, "--host", "127.0.0.1", "--port", str(port), "--user", "u",
        "--password-file", tmp_path / "pw", "--no-ssl",
    )  # fmt: skip
    assert res.exit_code == 1
    assert error_text(res) == (
        f"Error: Cannot connect to the IMAP server 127.0.0.1:{port}: the connection was refused "
        "(wrong port, or the server is not running)."
    )


def test_tls_to_a_plain_port_fails_clearly(runner, case: Case, dovecot: Dovecot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = invoke(
        runner, "imap", case.root, "--host", "127.0.0.1", "--port", str(dovecot.port), "--user", dovecot.user,
        "--password-file", dovecot.password_file(tmp_path),
    )  # fmt: skip
    assert res.exit_code == 1
    text = error_text(res)
    assert text.startswith(
        f"Error: Cannot connect securely to the IMAP server 127.0.0.1:{dovecot.port}: the TLS handshake failed ("
    )
    assert text.endswith("use --no-ssl only for a server on a trusted network.")


def test_password_file_problems_are_usage_errors(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = invoke(runner, "imap", case.root, "--host", "h", "--user", "u", "--password-file", tmp_path / "none")
    assert res.exit_code == 2
    assert error_text(res) == f"Error: The password file {tmp_path / 'none'} does not exist."
    (tmp_path / "empty").write_text("\n")
    res = invoke(runner, "imap", case.root, "--host", "h", "--user", "u", "--password-file", tmp_path / "empty")
    assert res.exit_code == 2 and error_text(res) == f"Error: The password file {tmp_path / 'empty'} is empty."


def test_password_file_keeps_everything_but_one_trailing_newline(tmp_path: Path) -> None:
    (tmp_path / "pw").write_bytes(b" pass word \n\n")
    assert read_password_file(tmp_path / "pw") == " pass word \n"
    (tmp_path / "pw").write_bytes(b" secret \r\n")
    assert read_password_file(tmp_path / "pw") == " secret "


@needs_ingest
@pytest.mark.slow
def test_killed_fetch_resumes_without_duplicates(case: Case, dovecot: Dovecot, tmp_path: Path) -> None:
    """kill -9 a real `leakdesk imap` at random moments; the re-runs end with each message once and a clean fsck."""
    import random
    import signal
    import subprocess
    import sys
    import time

    from leakdesk.store.fsck import fsck

    folder = dovecot.fresh_folder("Crash")
    count = 150  # enough that a fast machine is still ingesting when the kill comes
    messages = [letter(10 + n, f"n{n}", f"Письмо номер {n}.\n" * (n % 40 + 1)) for n in range(count)]
    dovecot.append(folder, *messages)
    cmd = [sys.executable, "-m", "leakdesk.cli.main", "imap", str(case.root), "--host", dovecot.host,
           "--port", str(dovecot.port), "--user", dovecot.user, "--password-file",
           str(dovecot.password_file(tmp_path)), "--folder", folder, "--no-ssl", "--json"]  # fmt: skip
    rng, kills = random.Random(20261126), 0
    for _ in range(4):
        target = len(dispatch_rows(case)) + rng.randint(1, 8)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and len(dispatch_rows(case)) < target:  # kill while it is ingesting
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.02))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    done = subprocess.run(cmd, capture_output=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert kills >= 3  # otherwise the test proved little

    rows = dispatch_rows(case)
    assert sorted(r.message_id for r in rows) == sorted(f"<imap-{10 + n}@example.net>" for n in range(count))
    assert len({r.original_sha256 for r in rows}) == count
    sources = custody_sources(case)
    assert len(set(sources)) == count
    assert len(sources) <= count + kills  # a kill re-fetches at most the one message in flight
    with case.connect() as conn:
        report = fsck(conn, case.originals)
        assert conn.execute(sa.select(t.imap_state.c.last_uid)).scalar_one() == count
    assert report.ok, report.as_dict()


# --------------------------------------------------------------------------- TLS


@pytest.fixture
def tls_dovecot(dovecot: Dovecot) -> Dovecot:
    if not (dovecot.tls_port and dovecot.cert):
        pytest.skip("openssl is missing, so the test server has no TLS certificate")
    return dovecot


@pytest.fixture
def tls_folder(tls_dovecot: Dovecot) -> str:
    folder = tls_dovecot.fresh_folder("Tls")
    tls_dovecot.append(folder, MORE[0])
    return folder


def run_tls(runner, case: Case, server: Dovecot, folder: str, tmp_path: Path, port: int, *extra: str):  # type: ignore[no-untyped-def]
    return invoke(
        runner, "imap", case.root, "--host", "127.0.0.1", "--port", str(port), "--user", server.user,
        "--password-file", server.password_file(tmp_path), "--folder", folder, "--json", *extra,
    )  # fmt: skip


@needs_ingest
def test_imap_over_tls_and_starttls_with_a_trusted_certificate(  # type: ignore[no-untyped-def]
    runner, case: Case, tls_dovecot: Dovecot, tls_folder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls_dovecot.tls_port and tls_dovecot.cert
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_dovecot.cert))  # trust the test server's own certificate
    res = run_tls(runner, case, tls_dovecot, tls_folder, tmp_path, tls_dovecot.tls_port)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["new"] == 1
    tls_dovecot.append(tls_folder, MORE[1])
    res = run_tls(runner, case, tls_dovecot, tls_folder, tmp_path, tls_dovecot.port, "--starttls")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)  # another port is another mailbox key: both messages, one of them known
    assert (out["fetched"], out["new"], out["duplicates"]) == (2, 1, 1)


def test_untrusted_certificate_is_refused(
    runner, case: Case, tls_dovecot: Dovecot, tls_folder: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert tls_dovecot.tls_port
    for port, extra in ((tls_dovecot.tls_port, ()), (tls_dovecot.port, ("--starttls",))):
        res = run_tls(runner, case, tls_dovecot, tls_folder, tmp_path, port, *extra)
        assert res.exit_code == 1
        assert error_text(res) == (
            f"Error: Cannot connect securely to the IMAP server 127.0.0.1:{port}: its TLS certificate is not "
            "trusted (self-signed certificate)."
        )


def test_no_ssl_and_starttls_together_is_a_usage_error(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = invoke(runner, "imap", case.root, "--host", "h", "--user", "u", "--password-file", tmp_path / "x",
                 "--no-ssl", "--starttls")  # fmt: skip
    assert res.exit_code == 2
    assert error_text(res) == "Error: --no-ssl and --starttls contradict each other: choose one."


@needs_ingest
def test_fetch_into_a_postgresql_case(runner, dovecot: Dovecot, fresh_postgres_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "init", tmp_path / "pgcase", "--db", fresh_postgres_url).exit_code == 0
    pg_case = Case.open(tmp_path / "pgcase")
    folder = dovecot.fresh_folder("Pg")
    dovecot.append(folder, *FIRST)
    try:
        for expected in (3, 0):
            res = run_imap(runner, pg_case, dovecot, folder, tmp_path, "--json")
            assert res.exit_code == 0, res.output
            assert json.loads(res.stdout)["new"] == expected
        assert len(dispatch_rows(pg_case)) == 3 and len(custody_sources(pg_case)) == 3
        with pg_case.connect() as conn:
            assert conn.execute(sa.select(t.imap_state.c.last_uid)).scalar_one() == 3
    finally:
        pg_case.close()
