"""leakdesk's per-folder message counts and Message-IDs against real mail software (issue 9, "on real mailboxes the
desk's message counts match the mail client's").

Mailboxes in every variant the issue lists are written here, then read by leakdesk, by Dovecot (its own imap
process, the reference), by Python's `mailbox` module and by formail (procmail), through
benchmarks/mailbox_counts.py, the script a desk runs on its own mailboxes.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from benchmarks import mailbox_counts as counts

from tests.intake.conftest import raw_message
from tests.servers import ensure_debian_package

ENVELOPE = "From insider@example.org Tue Aug  3 14:05:00 2021\n"


def _msg(n: str, body: str = "A plain line of the letter.\n", extra: dict[str, str] | None = None) -> bytes:
    return raw_message(body.encode(), message_id=f"<{n}@example.org>", headers=extra)


def _mbox(*messages: bytes, blank_before: bool = True) -> bytes:
    out = b""
    for i, m in enumerate(messages):
        if i and blank_before:
            out += b"\n"
        out += ENVELOPE.encode() + m
    return out + b"\n"


def _content_length(n: str, body: str) -> bytes:
    return raw_message(body.encode(), message_id=f"<{n}@example.org>",
                       headers={"Content-Length": str(len(body.encode()))})


def _attached_message(n: str) -> bytes:
    inner = _msg(f"{n}-inner", "The forwarded letter.\n")
    return (f"From: Insider <insider@example.org>\nTo: desk@example.org\nSubject: forwarded\n"
            f"Date: Tue, 03 Aug 2021 14:05:00 +0300\nMessage-ID: <{n}@example.org>\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nSee below.\n'
            f"--b1\nContent-Type: message/rfc822\n\n").encode() + inner + (
            f"\n--b1\nContent-Type: message/rfc822; name=\"second.eml\"\nContent-Transfer-Encoding: base64\n\n"
            f"{base64.encodebytes(_msg(f'{n}-b64')).decode()}--b1--\n").encode()


def write_variants(root: Path) -> dict[str, int]:
    """Mailboxes in every variant of issue 9 under `root`; the number of messages each folder really holds."""
    expected: dict[str, int] = {}
    mboxes = root / "mboxes"
    mboxes.mkdir(parents=True)

    def put(name: str, data: bytes, n: int) -> None:
        (mboxes / name).write_bytes(data)
        expected[f"mboxes/{name}"] = n

    put("mboxo.mbox", _mbox(_msg("o1", ">From the quoted line stays quoted.\n"), _msg("o2"), _msg("o3")), 3)
    put("mboxrd.mbox", _mbox(_msg("rd1", ">From quoted once\n>>From quoted twice\n"), _msg("rd2")), 2)
    put("mboxcl2.mbox", _mbox(
        _content_length("cl1", "Body with an unquoted line:\nFrom here on the body goes on.\n\nFrom nobody\n"),
        _content_length("cl2", "Short.\n")), 2)
    put("mboxcl-quoted.mbox", _mbox(_content_length("clq1", ">From quoted, and counted.\n"), _msg("clq2")), 2)
    put("no-blank-line.mbox", _mbox(_msg("nb1"), _msg("nb2"), _msg("nb3"), blank_before=False), 3)
    put("crlf.mbox", _mbox(_msg("cr1"), _msg("cr2"), _msg("cr3")).replace(b"\n", b"\r\n"), 3)
    put("blank-first-line.mbox", _mbox(b"\n" + _msg("bl1"), _msg("bl2")), 2)
    put("attached.mbox", _mbox(_attached_message("att1"), _msg("att2")), 2)
    put("prose-from.mbox", _mbox(_msg("pf1", "Dear desk,\n\nFrom what I hear, the money moved in May.\n"),
                                 _msg("pf2")), 2)
    put("no-message-id.mbox", _mbox(raw_message(message_id=None), _msg("nm2")), 2)  # type: ignore[arg-type]
    put("duplicate.mbox", _mbox(_msg("dup"), _msg("dup")), 2)

    maildir = root / "Maildir"

    def deliver(folder: str, sub: str, name: str, data: bytes) -> None:
        box = maildir / folder / sub
        box.mkdir(parents=True, exist_ok=True)
        (box / name).write_bytes(data)
        key = f"Maildir/{folder}".rstrip("/")
        expected[key] = expected.get(key, 0) + 1

    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    deliver("", "new", "1.host", _msg("in1"))
    deliver("", "cur", "2.host:2,S", b"\n" + _msg("in2-blank-first"))
    deliver("", "cur", "3.host:2,RS", _attached_message("in3"))
    deliver("", "cur", "4.host:2,S", _msg("in4").replace(b"\n", b"\r\n"))
    deliver(".Sent", "cur", "5.host:2,S", _msg("sent1"))
    deliver(".Sent", "new", "6.host", _msg("sent2"))
    deliver(".Work.Clients", "cur", "7.host:2,RS", _msg("clients1"))
    deliver(".My Folder", "new", "8.host", _msg("mine1"))
    deliver("Archive/2021", "cur", "9.host:2,S", _msg("archived1"))  # nested, only cur/
    deliver("Archive/2021", "cur", "10.host:2,S", _msg("sent1"))  # the same letter in two folders
    (maildir / "tmp" / "11.host").write_bytes(_msg("in-delivery"))  # tmp/ is not mail yet, for everyone
    return expected


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], dict[str, counts.Folder]]:
    if not ensure_debian_package("/usr/lib/dovecot/imap", "dovecot-imapd"):
        pytest.skip("Dovecot (Debian package dovecot-imapd) is not installed and could not be installed here.")
    ensure_debian_package("formail", "procmail")
    root = tmp_path_factory.mktemp("mailboxes")
    expected = write_variants(root)
    rows = counts.compare([root])
    by_key = {}
    for row in rows:
        key = str(Path(row.mailbox).relative_to(root) / row.folder)
        by_key[key] = row
    return expected, by_key


def test_every_variant_was_found_as_its_own_folder(compared) -> None:  # type: ignore[no-untyped-def]
    expected, rows = compared
    assert sorted(rows) == sorted(expected)


def test_leakdesk_matches_dovecot_on_every_folder(compared) -> None:  # type: ignore[no-untyped-def]
    expected, rows = compared
    table = {key: (row.count("leakdesk"), row.count("dovecot"), expected[key]) for key, row in rows.items()}
    assert {k: v for k, v in table.items() if len(set(v)) != 1} == {}
    assert [key for key, row in rows.items() if not row.agrees("dovecot")] == []
    differences = {key: row.id_differences("dovecot") for key, row in rows.items()
                   if any(row.id_differences("dovecot"))}
    assert differences == {  # RFC 5322: the header block ends at the first blank line; leakdesk reads on (issue 9)
        "mboxes/blank-first-line.mbox": (["<bl1@example.org>"], [None]),
        "Maildir": (["<in2-blank-first@example.org>"], [None]),
    }
    assert rows["mboxes/mboxcl2.mbox"].ids["leakdesk"] == ["<cl1@example.org>", "<cl2@example.org>"]
    assert rows["mboxes/no-message-id.mbox"].ids["dovecot"] == [None, "<nm2@example.org>"]
    assert rows["Maildir/Archive/2021"].ids["leakdesk"] == ["<sent1@example.org>", "<archived1@example.org>"]
    assert rows["Maildir/.Work.Clients"].name == "Work/Clients"


def test_where_python_and_formail_differ_it_is_for_a_documented_reason(compared) -> None:  # type: ignore[no-untyped-def]
    """Python's mailbox takes any line starting "From " as a separator (RFC 4155 wants an envelope line: sender and
    date) and ignores Content-Length, so a body line splits a letter; it cannot open a Maildir without both cur/ and
    new/. formail needs a blank line before a separator and does not see a CRLF line as blank. Dovecot, like
    leakdesk, reads them all."""
    expected, rows = compared
    python = {k: r.count("python") for k, r in rows.items() if r.count("python") != expected[k]}
    assert python == {"mboxes/mboxcl2.mbox": 4, "mboxes/prose-from.mbox": 3, "Maildir/.My Folder": None,
                      "Maildir/.Work.Clients": None, "Maildir/Archive/2021": None}
    assert "FileNotFoundError" in rows["Maildir/Archive/2021"].errors["python"]
    if shutil.which("formail") is None:
        pytest.skip("formail (Debian package procmail) is not installed")
    formail = {k: r.count("formail") for k, r in rows.items()
               if k.startswith("mboxes/") and r.count("formail") != expected[k]}
    assert formail == {"mboxes/no-blank-line.mbox": 1, "mboxes/crlf.mbox": 1}


def test_the_script_reports_and_exits_zero_when_all_agree(compared, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    box = tmp_path / "one.mbox"
    box.write_bytes(_mbox(_msg("s1"), _msg("s2"), blank_before=False))
    assert counts.main([str(box)]) == 0
    out = capsys.readouterr().out
    assert "1 folders; messages: leakdesk 2, dovecot 2, python 2" in out
    assert counts.main([str(tmp_path / "missing")]) == 2
    assert "No such file or folder" in capsys.readouterr().err
