"""The attack table of issue 8, intake side: one test per attack, each showing it is now detected or contained.

Everything is real: GnuPG keys made here (one revoked, one expired), files and emails built byte by byte, the CLI
run through Typer's CliRunner. Rows: wrapped and partly signed PGP mail, revoked / expired / unknown keys, a kill -9
during a decrypting ingest, Rich markup and control characters in letters, hostile zip-based documents, PDFs and
HTML under a budget, symlinks in a folder walk.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.cli.common import SafeConsole, untrusted
from leakdesk.cli.main import app
from leakdesk.intake import Limits, ingest_paths
from leakdesk.intake.budget import worker
from leakdesk.intake.pgp import PASSPHRASE_ENV, process_pgp
from leakdesk.intake.registry import Source
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.intake.conftest import docx_bytes, raw_message, with_attachment
from tests.intake.hostile import (
    docx_bomb,
    docx_huge,
    html_mail,
    ingest_measured,
    pdf_with_huge_streams,
    pdf_with_many_pages,
)
from tests.intake.test_pgp import (  # noqa: F401  (fixtures)
    INNER,
    PASSPHRASE,
    Keys,
    case_home,
    gpg,
    keys,
    parse,
    pgp_mime_encrypted,
    pgp_mime_signed,
    plain_mail,
)
from tests.servers import kill_gpg_agent

WIDE = {"COLUMNS": "250"}
FORGED = "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease pay 40,000 EUR to account CY17 0020 0128.\r\n"


def wrapped(*parts: bytes, boundary: bytes = b"outer") -> bytes:
    """A multipart/mixed message around `parts` (each a full MIME entity: headers and body)."""
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return (
        b"From: fialka@example.net\r\nTo: desk@example.org\r\nSubject: wrapped\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\r\n\r\n" + body + b"--" + boundary + b"--\r\n"
    )


def signed_entity(world: Keys, signer: str = "insider") -> bytes:
    """The multipart/signed entity (headers and body) of a genuine PGP/MIME letter."""
    return pgp_mime_signed(INNER, world.detach_sign(INNER, signer)).split(b"MIME-Version: 1.0\r\n", 1)[1]


# --------------------------------------------------------------------------- PGP verdicts that cannot be wrapped


def test_forged_text_wrapped_around_a_genuine_signed_letter_is_only_partly_signed(
    keys: Keys, case_home: Path  # noqa: F811
) -> None:
    raw = wrapped(FORGED.encode(), signed_entity(keys))
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and result.signature == "good"  # the genuine part still checks out ...
    assert result.dispatch_status == "partly-signed"  # ... but the message is not "signed-good"
    assert (result.coverage, result.covered) == ("part", "part 2 (multipart/signed)")
    assert result.uncovered == ["part 1 (text/plain)"]


def test_single_part_wrapper_around_a_signed_letter_is_still_signed(keys: Keys, case_home: Path) -> None:  # noqa: F811
    raw = wrapped(signed_entity(keys))
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and result.dispatch_status == "signed-good" and result.coverage == "whole"


def test_forged_part_wrapped_around_an_encrypted_and_signed_letter(keys: Keys, case_home: Path) -> None:  # noqa: F811
    encrypted = pgp_mime_encrypted(keys.encrypt(INNER, to="desk", signer="insider"))
    entity = encrypted.split(b"MIME-Version: 1.0\r\n", 1)[1]
    raw = wrapped(FORGED.encode(), entity)
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and (result.status, result.signature) == ("decrypted", "good")
    assert (result.coverage, result.covered, result.uncovered) == (
        "part", "part 2 (multipart/encrypted)", ["part 1 (text/plain)"]
    )


def test_forged_text_encrypted_to_the_desk_around_a_genuine_signed_letter(
    keys: Keys, case_home: Path  # noqa: F811
) -> None:
    """Anyone can encrypt to the desk's key: the wrapper inside the ciphertext proves nothing either."""
    inner = b"Content-Type: multipart/mixed; boundary=\"in\"\r\n\r\n--in\r\n" + FORGED.encode() + (
        b"\r\n--in\r\n" + signed_entity(keys) + b"\r\n--in--\r\n"
    )
    raw = pgp_mime_encrypted(keys.encrypt(inner, to="desk"))
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and (result.status, result.signature) == ("decrypted", "good")
    assert result.coverage == "part" and result.covered == "part d.2 (multipart/signed)"
    assert result.uncovered == ["part d.1 (text/plain)"]


def test_inline_text_around_a_clearsigned_block_is_unsigned(keys: Keys, case_home: Path) -> None:  # noqa: F811
    block = keys.clearsign("Встреча переносится на пятницу.\r\n".encode(), "insider")
    raw = plain_mail(b"URGENT: wire the money today.\r\n\r\n" + block + b"\r\nPS: use the new account.\r\n")
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and result.signature == "good" and result.dispatch_status == "partly-signed"
    assert result.covered == "the armoured PGP block"
    assert result.uncovered == ["text before the signed block (29 bytes)", "text after the signed block (24 bytes)"]
    whole = process_pgp(case_home, parse(plain_mail(block)), plain_mail(block))
    assert whole is not None and whole.dispatch_status == "signed-good"


@pytest.fixture(scope="module")
def bad_keys(gnupg_home_factory: Callable[[], Path], keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: F811
    """A revoked and an expired signing key, each with a letter it signed while it was valid."""
    world = keys.world
    out = tmp_path_factory.mktemp("badkeys")
    made: dict[str, object] = {}
    nopass = ["--pinentry-mode", "loopback", "--passphrase", ""]
    gpg(world, *nopass, "--quick-gen-key", "Revoked <revoked@example.net>", "ed25519", "sign", "0")
    fpr = next(ln.split(":")[9] for ln in gpg(world, "--with-colons", "--list-keys", "revoked@example.net")
               .decode().splitlines() if ln.startswith("fpr:"))
    signature = gpg(world, "--armor", "--detach-sign", "--local-user", fpr, data=INNER)
    made["revoked-letter"] = pgp_mime_signed(INNER, signature)
    certificate = (world / "openpgp-revocs.d" / f"{fpr}.rev").read_bytes().replace(b":-----BEGIN", b"-----BEGIN")
    gpg(world, "--import", data=certificate)  # the owner revokes the key
    faked = ["--faked-system-time", "20200101T000000"]
    gpg(world, *faked, *nopass, "--quick-gen-key", "Expired <expired@example.net>", "ed25519", "sign", "1d")
    efpr = next(ln.split(":")[9] for ln in gpg(world, "--with-colons", "--list-keys", "expired@example.net")
                .decode().splitlines() if ln.startswith("fpr:"))
    made["expired-letter"] = pgp_mime_signed(
        INNER, gpg(world, *faked, "--armor", "--detach-sign", "--local-user", efpr, data=INNER)
    )
    public = out / "bad-public.asc"
    public.write_bytes(gpg(world, "--armor", "--export", fpr, efpr))
    made["public"] = public
    return made


@pytest.fixture
def bad_home(case_home: Path, bad_keys: dict) -> Path:  # noqa: F811
    gpg(case_home, "--import", str(bad_keys["public"]))
    return case_home


def test_signature_by_a_revoked_key_is_never_good(bad_home: Path, bad_keys: dict) -> None:
    raw = bad_keys["revoked-letter"]
    result = process_pgp(bad_home, parse(raw), raw)
    assert result is not None and result.signature == "revoked-key"
    assert result.dispatch_status == "signed-revoked-key"
    assert result.reason == "the text matches the signature, but the signing key was revoked by its owner"


def test_signature_by_an_expired_key_is_never_good(bad_home: Path, bad_keys: dict) -> None:
    raw = bad_keys["expired-letter"]
    result = process_pgp(bad_home, parse(raw), raw)
    assert result is not None and result.signature == "expired-key"
    assert result.dispatch_status == "signed-expired-key"
    assert result.reason == "the text matches the signature, but the signing key has expired"


def test_signature_by_an_unknown_key_is_never_good(keys: Keys, case_home: Path) -> None:  # noqa: F811
    raw = pgp_mime_signed(INNER, keys.detach_sign(INNER, "unknown"))
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and result.dispatch_status == "signed-unknown-key"


def test_dispatches_shows_what_is_signed_and_what_is_not(runner: CliRunner, case: Case, keys: Keys,  # noqa: F811
                                                         tmp_path: Path) -> None:
    for name in ("insider-public",):
        assert invoke(runner, "keys", "import", case.root, keys.files[name]).exit_code == 0
    (tmp_path / "wrapped.eml").write_bytes(wrapped(FORGED.encode(), signed_entity(keys)))
    try:
        assert invoke(runner, "ingest", case.root, tmp_path / "wrapped.eml").exit_code == 0
        listed = json.loads(invoke(runner, "dispatches", case.root, "--json").stdout)
        top = next(d for d in listed if d["parent_id"] is None)
        assert top["pgp_status"] == "partly-signed"
        assert top["pgp_details"]["uncovered"] == ["part 1 (text/plain)"]
        from leakdesk.store.records import dispatches as records

        with case.connect() as conn:
            assert "only part of it is PGP-signed; the other parts could have been added by anyone" in (
                records.get(conn, top["id"]).warnings)
        shown = runner.invoke(app, ["dispatches", str(case.root)], env=WIDE).stdout
        assert (
            "PARTLY signed: only part 2 (multipart/signed) is signed; NOT signed: part 1 (text/plain)" in shown
        )
        assert "signed (good signature)" not in shown
        from leakdesk.publish.report import write_report

        report = write_report(case).read_text("utf-8")
        assert '<span class="tag bad">PGP: partly-signed</span> PARTLY signed: only part 2 (multipart/signed) is ' \
               "signed; NOT signed: part 1 (text/plain)" in report
    finally:
        kill_gpg_agent(case.gnupg_home)


# --------------------------------------------------------------------------- kill -9 during a decrypting ingest

_INGEST = """
import sys
from pathlib import Path
from leakdesk.case import Case
from leakdesk.intake import ingest_paths
with Case.open(Path(sys.argv[1])) as case:
    ingest_paths(case, [Path(sys.argv[2])], progress=False)
"""


def test_kill_9_during_a_decrypting_ingest_leaves_no_usable_passphrase(
    case: Case, keys: Keys, tmp_path: Path  # noqa: F811
) -> None:
    from leakdesk.intake.pgp import import_keys

    import_keys(case, keys.files["protected-secret"])
    mail = tmp_path / "mail"
    mail.mkdir()
    for i in range(40):
        letter = INNER.replace(b"\r\n\r\n", f"\r\n\r\nletter {i}\r\n".encode(), 1)
        (mail / f"{i:03}.eml").write_bytes(
            pgp_mime_encrypted(keys.encrypt(letter, to="protected")).replace(b"<enc-1@", f"<enc-{i}@".encode())
        )
    (tmp_path / "pass").write_text(PASSPHRASE + "\n", "utf-8")
    env = {**os.environ, PASSPHRASE_ENV: str(tmp_path / "pass"), "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", _INGEST, str(case.root), str(mail)], env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until it has decrypted at least one letter
            with case.connect() as conn:
                if conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.pgp_status == "decrypted")).first():
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the ingest decrypted nothing within 120 s")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        # Whatever gpg-agent is left running for the case, it must not decrypt without the passphrase.
        ciphertext = keys.encrypt(b"a fresh secret\r\n", to="protected")
        done = subprocess.run(
            ["gpg", "--homedir", str(case.gnupg_home), "--batch", "--pinentry-mode", "error", "--decrypt"],
            input=ciphertext, capture_output=True, timeout=60,
        )
        assert done.returncode != 0 and b"a fresh secret" not in done.stdout
    finally:
        if proc.poll() is None:
            proc.kill()
        kill_gpg_agent(case.gnupg_home)


# --------------------------------------------------------------------------- terminal output is untrusted

HOSTILE_SUBJECT = "[/] [link=https://evil.example]click[/link] \x1b[31mred\x1b]8;;https://evil.example\x07x"
SHOWN_SUBJECT = "[/] [link=https://evil.example]click[/link] \\x1b[31mred\\x1b]8;;https://evil.example\\x07x"


def test_untrusted_replaces_every_control_character() -> None:
    assert untrusted("a\x1b[2Jb\x9bc\u202ed\x00") == "a\\x1b[2Jb\\x9bc\\u202ed\\x00"
    assert untrusted("line 1\nline\t2") == "line 1\\x0aline\\x092"
    assert untrusted("line 1\nline\t2", multiline=True) == "line 1\nline\t2"
    assert untrusted(None) == ""


def test_markup_in_a_letter_makes_no_hyperlink_on_a_real_terminal() -> None:
    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=True, color_system="truecolor", width=200)
    console.print(f"subject: {HOSTILE_SUBJECT} :smile:")
    text = out.getvalue()
    assert "\x1b]8;" not in text and "\x07" not in text  # no OSC 8 hyperlink, no raw escape from the letter
    assert "[link=https://evil.example]click[/link]" in text and ":smile:" in text


def test_markup_in_subject_filename_and_message_id_never_crashes_ingest_and_the_variant_warning_prints(
    runner: CliRunner, case: Case, tmp_path: Path
) -> None:
    mid = "<[/]@[link=https://evil.example]>"
    first = raw_message(b"first version\n", headers={"Subject": HOSTILE_SUBJECT}, message_id=mid)
    second = raw_message(b"second version\n", headers={"Subject": HOSTILE_SUBJECT}, message_id=mid)
    third = with_attachment(b"not a pdf at all", "[/]report[link=https://evil.example].pdf", message_id="<3@x>")
    (tmp_path / "[red]1.eml").write_bytes(first)
    (tmp_path / "2.eml").write_bytes(second)
    (tmp_path / "3.eml").write_bytes(third)
    (tmp_path / "[bold]x\x1b[2J.eml").write_bytes(b"")
    result = invoke(runner, "ingest", case.root, tmp_path / "[red]1.eml", tmp_path / "2.eml", tmp_path / "3.eml",
                    tmp_path / "[bold]x\x1b[2J.eml")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path}/3.eml, attachment 'evil.example].pdf' (part 2): the attachment's name "
        "'[/]report[link=https://evil.example].pdf' contains folder parts or control characters; it is recorded as "
        "'evil.example].pdf' and nothing was written outside the case; not a PDF although it is named or labelled "
        "as one (it starts like text, not '%PDF-')\n"
        f"Error: {tmp_path}/[bold]x\\x1b[2J.eml: the file is empty (0 bytes)\n"
    )
    assert result.stdout == (
        f"Two different copies share the Message-ID {mid}: dispatches 1 and 2 (compare them with "
        "`leakdesk dispatch variants CASE 2`).\n"
        "4 new dispatches (1 attachments and nested messages), 0 already in the case, 0 containers, "
        "2 with errors, 0 with warnings.\n"
    )


def test_dispatches_prints_letter_values_literally_and_json_keeps_them_exact(
    runner: CliRunner, case: Case, tmp_path: Path
) -> None:
    (tmp_path / "a.eml").write_bytes(raw_message(headers={"Subject": HOSTILE_SUBJECT}))
    assert invoke(runner, "ingest", case.root, tmp_path / "a.eml").exit_code == 0
    shown = runner.invoke(app, ["dispatches", str(case.root)], env=WIDE)
    assert shown.exit_code == 0, shown.output
    row = next(ln for ln in shown.stdout.splitlines() if ln.startswith("│ 1 "))
    assert row.split("│")[4].strip() == SHOWN_SUBJECT
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    listed = json.loads(invoke(runner, "dispatches", case.root, "--json").stdout)
    assert listed[0]["subject"] == HOSTILE_SUBJECT


@pytest.mark.slow
def test_markup_in_a_letter_never_crashes_claims_or_timeline(runner: CliRunner, case: Case) -> None:
    from tests.claims.conftest import add_letter

    body = ("В августе 2021 года Сергей Иванов [/] из ФСБ [link=https://evil.example]готовил[/link] переброску "
            "\x1b]8;;https://evil.example\x07вертолётов\x1b[31m на Итуруп.")
    add_letter(case, body, date="2022-03-20T10:00:00+00:00", subject="[/]")
    shown_body = body.replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    claims = runner.invoke(app, ["claims", str(case.root)], env={"COLUMNS": "400"})
    assert claims.exit_code == 0, claims.output
    row = next(ln for ln in claims.stdout.splitlines() if ln.startswith("│ 1 "))
    cells = [c.strip() for c in row.split("│")[1:-1]]
    worth = cells.pop(5)  # the Russian sentence is scored by meaning: a number, whatever the model says
    assert re.fullmatch(r"[01]\.\d\d", worth), worth
    assert cells == [
        "1", "1", shown_body, "Сергей Иванов, FSB, Iturup", "2021-08 (2021-08-01 – 2021-08-31)", "unverified"
    ]
    timeline = runner.invoke(app, ["timeline", str(case.root)])
    assert timeline.exit_code == 0, timeline.output
    assert timeline.stdout.splitlines()[0] == f"2021-08-01 – 2021-08-31  dispatch 1  #1 {shown_body}"
    assert "\x1b" not in claims.stdout + timeline.stdout


# --------------------------------------------------------------------------- bounded hostile files


def _one(case: Case) -> Any:
    with case.connect() as conn:
        return conn.execute(sa.select(t.dispatch).order_by(t.dispatch.c.id.desc()).limit(1)).one()


def test_docx_deflate_bomb_is_refused_before_python_docx_opens_it(case: Case, tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "report.docx", 40 * 2**20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = ingest_paths(case, [bomb], progress=False)
    row = _one(case)
    assert row.status == "error" and row.error == (
        "its zip package member 'word/document.xml' would expand from 40 KB to 40.0 MB (1,025 times, limit 200); "
        "not read: this looks like a zip bomb; the original is kept"
    )
    assert case.originals.path(row.original_sha256).read_bytes() == bomb.read_bytes()
    assert result.problems[0].where == str(bomb)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 30_000  # KB: the XML was never inflated


@pytest.mark.parametrize("name", ["sheet.xlsx", "letter.odt"])
def test_other_zip_based_documents_are_bounded_too(case: Case, tmp_path: Path, name: str) -> None:
    bomb = docx_bomb(tmp_path / name, 40 * 2**20)
    ingest_paths(case, [bomb], progress=False)
    with case.connect() as conn:
        errors = " ".join(e for e in conn.execute(sa.select(t.dispatch.c.error)).scalars() if e)
    assert "this looks like a zip bomb" in errors
    with case.connect() as conn:
        sizes = conn.execute(sa.select(t.original.c.size)).scalars().all()
    assert max(sizes) < 1 * 2**20  # nothing expanded was stored


def test_a_document_over_the_time_limit_is_stopped_and_the_next_one_is_read(case: Case, tmp_path: Path) -> None:
    # One page of 3 MB of text operators: about 6 CPU-seconds of pypdf on a quiet machine, under pypdf's own budget
    # of tokens per content stream (one page of 20 MB reached that budget in 7 s, before a 10 s limit), against a
    # 2.5 s limit; the next file, read by a fresh worker that must first import pypdf, needs about 0.5 s even at
    # load 13 (the 1 s limit before left too thin a margin).
    slow = pdf_with_huge_streams(tmp_path / "slow.pdf", 1, 3 * 2**20)
    fine = pdf_with_many_pages(tmp_path / "fine.pdf", 3)
    limits = Limits(max_reader_seconds=2.5)
    result = ingest_paths(case, [slow, fine], progress=False, limits=limits)
    assert [p.line() for p in result.problems] == [
        f"{slow}: reading stopped at the time limit (2.5 s per file); the original is kept, its text was not "
        "extracted"
    ]
    with case.connect() as conn:
        texts = conn.execute(sa.select(t.text.c.content)).scalars().all()
        stored = conn.execute(sa.select(t.dispatch.c.original_sha256)).scalars().all()
    assert texts == ["page\n\npage\n\npage"]
    assert all(case.originals.path(sha).exists() for sha in stored) and len(stored) == 2


def test_a_pdf_page_drawn_by_megabytes_of_instructions_is_skipped(case: Case, tmp_path: Path) -> None:
    pdf = pdf_with_huge_streams(tmp_path / "streams.pdf", 3, 6 * 2**20)
    result = ingest_paths(case, [pdf], progress=False)
    assert [w.message for w in result.warnings] == [
        "3 pages are drawn by more than 4 MB of instructions each (normal pages need kilobytes); their text was not "
        "extracted: page 1, 2, 3"
    ]
    assert _one(case).status == "warning"


def test_a_document_over_the_memory_limit_is_stopped_and_the_next_one_is_read(case: Case, tmp_path: Path) -> None:
    heavy = docx_huge(tmp_path / "ledger.docx", 500_000)
    fine = tmp_path / "fine.docx"
    fine.write_bytes(docx_bytes("Короткое письмо."))
    result = ingest_paths(case, [heavy, fine], progress=False, limits=Limits(max_reader_memory=300 * 2**20))
    assert [p.line() for p in result.problems] == [
        f"{heavy}: reading stopped at the memory limit (300.0 MB per file); the original is kept, its text was not "
        "extracted"
    ]
    with case.connect() as conn:
        assert conn.execute(sa.select(t.text.c.content)).scalars().all() == ["Короткое письмо."]


def test_a_document_over_the_size_limit_is_kept_unread(case: Case, tmp_path: Path) -> None:
    pdf = pdf_with_many_pages(tmp_path / "big.pdf", 40)
    result = ingest_paths(case, [pdf], progress=False, limits=Limits(max_document_bytes=2000))
    size = pdf.stat().st_size / 1024
    assert [p.message for p in result.problems] == [
        f"the file is {size:,.0f} KB (limit 2 KB per document); not read; the original is kept"
    ]


def test_a_pdf_with_many_pages_is_read_up_to_the_page_limit(case: Case, tmp_path: Path) -> None:
    pdf = pdf_with_many_pages(tmp_path / "pages.pdf", 2000)
    ingest_paths(case, [pdf], progress=False, limits=Limits(max_pages=50))
    row = _one(case)
    assert row.status == "ok" and row.details["pages"] == 2000
    assert row.details["truncated"] == "only the first 50 pages were read (the limit is 50 pages per document)"
    with case.connect() as conn:
        assert conn.execute(sa.select(t.text.c.content)).scalar() == "\n\n".join(["page"] * 50)


def test_plain_emails_are_read_without_the_worker(case: Case, tmp_path: Path) -> None:
    worker().stop()
    (tmp_path / "a.eml").write_bytes(raw_message())
    (tmp_path / "b.html").write_bytes(b"<html><body><p>Hello</p></body></html>")
    ingest_paths(case, [tmp_path / "a.eml"], progress=False)
    assert worker().pid() is None
    ingest_paths(case, [tmp_path / "b.html"], progress=False)  # an HTML *file* is a document: the worker reads it
    assert worker().pid() is not None


def test_a_file_swapped_for_a_symlink_or_a_fifo_after_the_walk_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "id_ed25519"
    secret.write_text("PRIVATE KEY", "utf-8")
    (tmp_path / "letter.eml").symlink_to(secret)
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        Source(path=tmp_path / "letter.eml").read_bytes()
    os.mkfifo(tmp_path / "pipe.eml")
    with pytest.raises(OSError, match="not a regular file"):
        Source(path=tmp_path / "pipe.eml").head()


def test_a_folder_walk_never_follows_symlinks(runner: CliRunner, case: Case, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.eml").write_bytes(raw_message(b"the desk's own secret\n", message_id="<secret@x>"))
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "real.eml").write_bytes(raw_message())
    (leak / "environ.eml").symlink_to("/proc/self/environ")
    (leak / "docs").symlink_to(outside)
    result = invoke(runner, "ingest", case.root, leak)
    assert result.exit_code == 1
    assert sorted(result.stderr.splitlines()) == [
        f"Error: {leak / name}: is a symbolic link; leakdesk does not follow links, so it was not read (ingest the "
        "file it points to instead)" for name in ("docs", "environ.eml")
    ]
    with case.connect() as conn:
        assert conn.execute(sa.select(t.dispatch.c.message_id)).scalars().all() == ["<t1@example.org>"]
        contents = " ".join(conn.execute(sa.select(t.text.c.content)).scalars())
    assert "secret" not in contents and "PATH=" not in contents


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["docx-bomb", "pdf-streams", "pdf-pages", "html-body"])
def test_hostile_files_of_the_attack_table_stay_under_1_gb_and_60_s(tmp_path: Path, attack: str) -> None:
    """The sizes of the issue: a 367 KB DOCX bomb, 10 × 70 MB PDF streams, 100,000 pages, a 30 MB HTML body."""
    make = {
        "docx-bomb": lambda p: docx_bomb(p / "bomb.docx", 380 * 2**20),
        "pdf-streams": lambda p: pdf_with_huge_streams(p / "streams.pdf", 10, 70 * 2**20),
        "pdf-pages": lambda p: pdf_with_many_pages(p / "pages.pdf", 100_000),
        "html-body": lambda p: html_mail(p / "big.eml", 30 * 2**20),
    }
    hostile = make[attack](tmp_path)
    Case.init(tmp_path / "case").close()
    run = ingest_measured(tmp_path / "case", hostile, timeout=120)
    assert run.peak_rss < 1024**3, f"{attack}: peak RSS {run.peak_rss / 2**20:.0f} MB"
    assert run.seconds < 60, f"{attack}: {run.seconds:.1f} s"
    assert json.loads(run.stdout)["created"] == [1]  # recorded, the original kept


_SLOW_INGEST = """
import sys
from pathlib import Path
from leakdesk.case import Case
from leakdesk.intake import Limits, ingest_paths
with Case.open(Path(sys.argv[1])) as case:
    ingest_paths(case, [Path(sys.argv[2])], progress=False,
                 limits=Limits(max_reader_seconds=600, max_page_content=64 * 2**20))
"""


def _reader_workers(ingest: subprocess.Popen[bytes]) -> list:  # type: ignore[type-arg]
    """The reader workers among the ingest's children right now; a child that exits while it is looked at (a
    zombie has no command line any more) is not one of them."""
    import psutil

    assert ingest.poll() is None, f"the ingest ended (exit code {ingest.returncode}) before it started a worker"
    found = []
    for child in psutil.Process(ingest.pid).children():
        try:
            if "reader_worker" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:  # ZombieProcess is one too
            continue
    return found


def _reads(worker, path: Path) -> bool:  # type: ignore[no-untyped-def]
    """Whether the worker holds `path` open; a worker that has ended fails the test (it must be mid-read)."""
    import psutil

    try:
        return any(f.path == str(path) for f in worker.open_files())
    except psutil.NoSuchProcess as gone:
        raise AssertionError("the reader worker ended before the ingest was killed") from gone


def _ended(process) -> bool:  # type: ignore[no-untyped-def]
    """Exited: gone, or a zombie its new parent has not collected yet (it runs nothing any more)."""
    import psutil

    try:
        return process.status() == psutil.STATUS_ZOMBIE  # type: ignore[no-any-return]
    except psutil.NoSuchProcess:
        return True


def test_the_reader_worker_dies_with_a_killed_ingest(case: Case, tmp_path: Path) -> None:
    """kill -9 of the ingest leaves no worker chewing on a hostile file with nobody to enforce its time limit."""
    slow = pdf_with_huge_streams(tmp_path / "slow.pdf", 10, 3 * 2**20)  # ten pages of ~6 CPU-s of pypdf each
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_INGEST, str(case.root), str(slow)], env=env)
    try:
        deadline = time.monotonic() + 120
        workers: list = []  # type: ignore[type-arg]
        while not workers and time.monotonic() < deadline:
            workers = _reader_workers(proc)
            time.sleep(0.1)
        assert workers, "the ingest started no reader worker"
        while time.monotonic() < deadline and not _reads(workers[0], slow):
            time.sleep(0.1)  # until the worker is reading the PDF
        assert _reads(workers[0], slow), "the reader worker did not open the PDF within 120 s"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        until = time.monotonic() + 30
        while not all(_ended(w) for w in workers) and time.monotonic() < until:
            time.sleep(0.1)
        assert all(_ended(w) for w in workers), "the reader worker outlived the killed ingest"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_worker_imports_a_reader_s_libraries_before_the_file_s_time_limit_starts(tmp_path: Path) -> None:
    # A fresh worker's first PDF used to import pypdf inside the file's time limit (seconds on a loaded machine).
    # Now the worker says "loaded" (naming what it imported) before it parses, and the clock starts from there.
    from dataclasses import asdict

    from leakdesk.intake.budget import _encode_source, _recv, _send
    from tests.intake.conftest import pdf_bytes

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    process = subprocess.Popen([sys.executable, "-m", "leakdesk.intake.reader_worker"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, env=env)
    assert process.stdin is not None and process.stdout is not None
    try:
        assert _recv(process.stdout) == {"kind": "ready"}
        request = {"reader": "pypdf", "source": _encode_source(Source(filename="a.pdf", data=pdf_bytes("A letter"))),
                   "limits": asdict(Limits()), "depth": 0, "top_level": True, "originals_root": None,
                   "originals_key": None, "scratch_dir": str(tmp_path)}
        replies = []
        for _ in range(2):
            _send(process.stdin, request)
            replies.append((_recv(process.stdout), (_recv(process.stdout) or {}).get("kind")))
    finally:
        process.stdin.close()
        process.wait(10)
    assert replies == [({"kind": "loaded", "imported": ["pypdf"]}, "ok"), ({"kind": "loaded", "imported": []}, "ok")]
