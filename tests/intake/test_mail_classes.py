"""Each class of real-mailbox failure found in issue 9, on messages written here: mbox variants, Maildir trees,
odd first lines, encoded words, charsets, attachment names, attached messages, S/MIME, line-ending copies."""

from __future__ import annotations

import base64
import hashlib
import os
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.readers.mbox import MboxReader
from leakdesk.intake.registry import Limits, ReadContext, Source
from leakdesk.store import tables as t
from leakdesk.store.originals import Digests
from tests.intake.conftest import RU_TEXT, raw_message

ENVELOPE = b"From insider@example.org Tue Aug  3 14:05:00 2021\n"


def _texts(case: Case, dispatch_id: int) -> list[sa.Row]:
    with case.connect() as conn:
        return conn.execute(sa.select(t.text).where(t.text.c.dispatch_id == dispatch_id)).all()


def _details(case: Case, dispatch_id: int) -> dict:  # type: ignore[type-arg]
    with case.connect() as conn:
        return conn.execute(sa.select(t.dispatch.c.details).where(t.dispatch.c.id == dispatch_id)).scalar() or {}


# ---------------------------------------------------------------------------- mbox
def test_separator_not_after_a_blank_line_starts_a_new_message(case: Case, inbox: Path) -> None:
    box = (ENVELOPE + raw_message(b"first letter, no blank line at its end\n", message_id="<a@x>")
           + ENVELOPE + raw_message(b"second letter\n", message_id="<b@x>"))
    (inbox / "box.mbox").write_bytes(box)
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    assert result.ok and [r["message_id"] for r in list_dispatches(case)] == ["<a@x>", "<b@x>"]


def test_a_from_line_in_prose_is_body_and_warned_only_when_headers_follow(case: Case, inbox: Path) -> None:
    body = b"I wrote to them.\nFrom what I know the money moved in August.\n"
    (inbox / "box.mbox").write_bytes(ENVELOPE + raw_message(body, message_id="<a@x>"))
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    [row] = list_dispatches(case)
    assert row["status"] == "ok" and result.warnings == []
    assert "From what I know" in _texts(case, row["id"])[0].content


def test_a_from_line_of_prose_after_a_blank_line_is_body_as_dovecot_reads_it(case: Case, inbox: Path) -> None:
    """RFC 4155's separator is an envelope line (sender and date); an unquoted "From what..." paragraph is not one."""
    body = b"Dear desk,\n\nFrom what I hear, the money moved in May.\n"
    (inbox / "box.mbox").write_bytes(ENVELOPE + raw_message(body, message_id="<a@x>") + b"\n"
                                     + ENVELOPE + raw_message(message_id="<b@x>"))
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    rows = list_dispatches(case)
    assert result.ok and [r["message_id"] for r in rows] == ["<a@x>", "<b@x>"]
    assert "From what I hear" in _texts(case, rows[0]["id"])[0].content


def test_mboxcl2_content_length_keeps_unquoted_from_lines_in_the_body(case: Case, inbox: Path) -> None:
    body = b"Report follows.\n\nFrom the minutes of the meeting: nothing was signed.\n"
    msg = raw_message(body, message_id="<cl@x>", headers={"Content-Length": str(len(body))})
    box = ENVELOPE + msg + b"\n" + ENVELOPE + raw_message(b"next\n", message_id="<n@x>") + b"\n"
    (inbox / "box.mbox").write_bytes(box)
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    rows = list_dispatches(case)
    assert result.ok and [r["message_id"] for r in rows] == ["<cl@x>", "<n@x>"]
    assert case.originals.read_bytes(rows[0]["sha256"]) == msg
    assert _details(case, rows[0]["id"])["content_length"] == len(body)


def test_crlf_mbox_gives_every_message_with_its_bytes(case: Case, inbox: Path) -> None:
    msgs = [raw_message(f"letter {i}\n".encode(), message_id=f"<c{i}@x>").replace(b"\n", b"\r\n") for i in range(3)]
    box = b"".join(ENVELOPE.replace(b"\n", b"\r\n") + m + b"\r\n" for m in msgs)
    (inbox / "box.mbox").write_bytes(box)
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    rows = list_dispatches(case)
    assert result.ok and [r["subject"] for r in rows] == ["Test letter"] * 3
    assert [case.originals.read_bytes(r["sha256"]) for r in rows] == msgs


def test_headers_of_another_message_inside_a_body_warn_of_a_missed_separator(case: Case, inbox: Path) -> None:
    merged = (b"Regards, Ivan\n\n>From insider@example.org Tue Aug  3 15:00:00 2021\n"
              b"Return-Path: <insider@example.org>\nReceived: from mx by desk; Tue, 3 Aug 2021 15:00:00 +0300\n"
              b"Message-ID: <hidden@x>\nSubject: the second letter\n\nsecond body\n")
    (inbox / "box.mbox").write_bytes(ENVELOPE + raw_message(merged, message_id="<m@x>"))
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    [row] = list_dispatches(case)
    assert result.ok and row["status"] == "warning"
    assert row["warning"] == (
        "message 1 of the mbox: lines inside its body look like the headers of another message (Return-Path, "
        "Received, Message-ID) with no 'From ' separator before them: two letters may be merged")
    assert [w.line() for w in result.warnings] == [f"{inbox / 'box.mbox'}, message 1: {row['warning']}"]


def test_an_attached_message_in_a_body_is_not_a_missed_separator(case: Case, inbox: Path) -> None:
    inner = b"Return-Path: <a@x>\nReceived: from mx by desk\nMessage-ID: <in@x>\nSubject: inner\n\ninner body\n"
    body = (b"--B\nContent-Type: text/plain\n\nsee attached\n--B\nContent-Type: message/rfc822\n\n" + inner
            + b"--B--\n")
    msg = raw_message(body, content_type='multipart/mixed; boundary="B"', message_id="<outer@x>")
    (inbox / "box.mbox").write_bytes(ENVELOPE + msg)
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    assert result.ok and result.warnings == []


def test_a_very_long_line_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.mbox"
    with open(path, "wb") as fh:
        fh.write(ENVELOPE + raw_message(b"x" * (24 * 1024 * 1024) + b"\n", message_id="<long@x>"))
        fh.write(b"\n" + ENVELOPE + raw_message(b"short\n", message_id="<short@x>"))

    def store(chunks):  # type: ignore[no-untyped-def]
        h, size = hashlib.sha256(), 0
        for chunk in chunks:
            h.update(chunk)
            size += len(chunk)
        return Digests(h.hexdigest(), "", "", size)

    ctx = ReadContext(Limits(), store, lambda sha: tmp_path / sha, tmp_path / "scratch")
    tracemalloc.start()
    ex = MboxReader().read(Source(path=path, filename="long.mbox"), ctx)
    sizes = [child.digests.size for child in ex.children]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(sizes) == 2 and sizes[0] > 24 * 1024 * 1024
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes for a 24 MB line"


# ---------------------------------------------------------------------------- Maildir
def _deliver(folder: Path, sub: str, name: str, message_id: str) -> None:
    (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / sub / name).write_bytes(raw_message(message_id=message_id))


def test_maildir_plus_plus_and_nested_folders_are_all_read_with_their_folder(case: Case, tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    _deliver(root, "new", "1.host", "<inbox@x>")
    _deliver(root / ".Sent", "cur", "2.host:2,S", "<sent@x>")
    _deliver(root / ".Work.Clients", "cur", "3.host:2,RS", "<clients@x>")
    _deliver(root / ".My Folder", "new", "4.host", "<mine@x>")
    _deliver(root / "Archive" / "2021", "cur", "5.host", "<archived@x>")  # only cur/, nested
    (root / "tmp" / "6.host").write_bytes(raw_message(message_id="<in-delivery@x>"))
    result = ingest_paths(case, [root], progress=False)
    assert result.ok, result.problems
    got = {r["message_id"]: r["folder"] for r in list_dispatches(case)}
    assert got == {"<inbox@x>": "INBOX", "<sent@x>": "Sent", "<clients@x>": "Work/Clients",
                   "<mine@x>": "My Folder", "<archived@x>": "Archive/2021"}


def test_a_folder_with_only_cur_is_a_maildir(case: Case, tmp_path: Path) -> None:
    _deliver(tmp_path / "copy", "cur", "1.host:2,S", "<only-cur@x>")
    result = ingest_paths(case, [tmp_path / "copy"], progress=False)
    assert result.ok and [(r["message_id"], r["channel"]) for r in list_dispatches(case)] == [
        ("<only-cur@x>", "maildir")]


def test_symlinks_in_a_maildir_are_refused_and_reported(case: Case, tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    _deliver(root, "cur", "1.host", "<real@x>")
    (root / "new").mkdir()
    os.symlink("/proc/self/environ", root / "new" / "2.host")
    outside = tmp_path / "outside"
    _deliver(outside, "cur", "9.host", "<outside@x>")
    (root / ".Leak").mkdir()
    os.symlink(outside / "cur", root / ".Leak" / "cur")
    result = ingest_paths(case, [root], progress=False)
    assert [r["message_id"] for r in list_dispatches(case)] == ["<real@x>"]
    assert [p.line() for p in result.problems] == [
        f"{root}: 'new/2.host' is a symbolic link; leakdesk does not follow links, so it was not read; "
        "'.Leak/cur' is a symbolic link; leakdesk does not follow links, so it was not read"]
    for sha in case.originals.iter_stored():
        assert b"LEAKDESK_ACTOR" not in case.originals.read_bytes(sha)


def test_a_symlinked_file_in_a_folder_is_refused(case: Case, inbox: Path) -> None:
    os.symlink("/proc/self/environ", inbox / "env.eml")
    result = ingest_paths(case, [inbox], progress=False)
    assert [p.line() for p in result.problems] == [
        f"{inbox / 'env.eml'}: is a symbolic link; leakdesk does not follow links, so it was not read (ingest the "
        "file it points to instead)"]
    assert list_dispatches(case) == []


# ---------------------------------------------------------------------------- single messages
def test_an_email_whose_first_line_is_blank_is_read_as_an_email(case: Case, inbox: Path) -> None:
    data = b" \n" + raw_message(b"the body\n", message_id="<blank@x>")
    (inbox / "blank.eml").write_bytes(data)
    result = ingest_paths(case, [inbox / "blank.eml"], progress=False)
    [row] = list_dispatches(case)
    assert result.ok and row["kind"] == "email" and row["sender"] == "Insider <insider@example.org>"
    assert row["message_id"] == "<blank@x>" and row["status"] == "warning"
    assert row["warning"] == "the message starts with a blank line; it was read from the first header line"
    assert case.originals.read_bytes(row["sha256"]) == data


def test_encoded_words_keep_spaces_and_long_subjects_are_decoded(case: Case, inbox: Path) -> None:
    folded = "friendly\n =?utf-8?q?=E2=9C=94?=\n (done)"
    long_word = ("=?utf-8?q?" + "=D0=BE=D1=82=D1=87=D1=91=D1=82_" * 6
                 + "\n =D0=B2_=D0=9C=D0=BE=D1=81=D0=BA=D0=B2=D0=B5?=")  # over 75 characters, folded inside the word
    (inbox / "a.eml").write_bytes(raw_message(headers={"Subject": folded}, message_id="<s1@x>"))
    (inbox / "b.eml").write_bytes(raw_message(headers={"Subject": long_word}, message_id="<s2@x>"))
    ingest_paths(case, [inbox], progress=False)
    subjects = [r["subject"] for r in list_dispatches(case)]
    assert subjects == ["friendly ✔ (done)", "отчёт " * 6 + "в Москве"]


def test_charset_rule(case: Case, inbox: Path) -> None:
    jp = "会議の報告です。お金は八月に送られました。"
    fr = "Bonjour, voici le compte rendu de la réunion à Genève. L'argent a été transféré en août."
    he = "שלום, זה מכתב בעברית על הפגישה בירושלים. הכסף הועבר בחודש אוגוסט."
    zh = "这是一个关于会议的报告。我们在北京见面，讨论了资金的问题。"
    de = "Grüße aus München. Die Überweisung ist angekommen, danke für Ihre Geduld."
    one_bad = RU_TEXT.encode()[:40] + b"\xff" + RU_TEXT.encode()[40:]
    cases = {
        "jp.eml": (jp.encode("iso2022_jp"), "text/plain; charset=iso-2022-jp",
                   {"Subject": "=?ISO-2022-JP?B?" + base64.b64encode("報告".encode("iso2022_jp")).decode() + "?="}),
        "utf7.eml": ("Привет из Москвы".encode("utf_7"), "text/plain; charset=utf-7", {}),
        "bad-byte.eml": (one_bad, "text/plain; charset=utf-8", {}),
        "zh.eml": (zh.encode("gb2312"), "text/plain; charset=gb2312", {}),
        "he.eml": (he.encode("iso8859_8"), "text/plain; charset=iso-8859-8-i", {}),
        "fr.eml": (fr.encode("cp1252"), "text/plain", {}),
        "de.eml": (de.encode("latin-1"), "text/plain; charset=iso-8859-1", {}),
    }
    for i, (name, (body, ctype, headers)) in enumerate(cases.items()):
        (inbox / name).write_bytes(raw_message(body, content_type=ctype, headers=headers, message_id=f"<c{i}@x>"))
    result = ingest_paths(case, [inbox], progress=False)
    assert result.ok
    rows = {r["filename"]: r for r in list_dispatches(case)}
    text = {name: _texts(case, rows[name]["id"])[0] for name in cases}
    assert text["jp.eml"].content == jp and rows["jp.eml"]["subject"] == "報告"
    assert text["utf7.eml"].content == "Привет из Москвы"
    assert text["bad-byte.eml"].charset == "utf-8" and text["bad-byte.eml"].content.replace("\ufffd", "") == RU_TEXT
    assert rows["bad-byte.eml"]["status"] == "warning"
    assert "1 invalid byte sequence replaced" in rows["bad-byte.eml"]["warning"]
    assert text["zh.eml"].content == zh and rows["zh.eml"]["status"] == "ok"
    assert text["he.eml"].content == he and rows["he.eml"]["status"] == "ok"
    assert text["fr.eml"].content == fr and text["fr.eml"].charset == "cp1252"
    assert text["de.eml"].content == de and text["de.eml"].charset == "iso8859-1" and rows["de.eml"]["status"] == "ok"


def test_raw_8bit_attachment_name_is_decoded_like_a_header(case: Case, inbox: Path) -> None:
    name = "ФНС_РФ558.zip".encode("cp1251")
    body = (b'--B\nContent-Type: text/plain; charset=windows-1251\n\n' + RU_TEXT.encode("cp1251")
            + b'\n--B\nContent-Type: application/zip; name="' + name + b'"\nContent-Disposition: attachment; '
            b'filename="' + name + b'"\nContent-Transfer-Encoding: base64\n\nUEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\n--B--\n')
    (inbox / "a.eml").write_bytes(raw_message(body, content_type='multipart/mixed; boundary="B"'))
    ingest_paths(case, [inbox], progress=False)
    assert [r["filename"] for r in list_dispatches(case) if r["parent_id"]] == ["ФНС_РФ558.zip"]


def test_attached_messages_are_read_and_stored_as_their_exact_bytes(case: Case, inbox: Path) -> None:
    inner = (b"From: a@example.org\nSubject:   spaced   subject\nMessage-ID: <inner@x>\n\n"
             b"From here on the body has a line that a re-serialiser would quote.\n")
    encoded = base64.encodebytes(b"From: b@example.org\nSubject: encoded\nMessage-ID: <b64@x>\n\nbase64 body\n")
    body = (b"--B\nContent-Type: text/plain\n\nsee both attached\n--B\nContent-Type: message/rfc822\n\n" + inner
            + b"--B\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n"
            b'Content-Disposition: attachment; filename="forwarded.eml"\n\n' + encoded + b"--B--\n")
    (inbox / "a.eml").write_bytes(raw_message(body, content_type='multipart/mixed; boundary="B"'))
    result = ingest_paths(case, [inbox], progress=False)
    assert result.ok
    children = [r for r in list_dispatches(case) if r["parent_id"]]
    assert [(r["kind"], r["message_id"], r["filename"]) for r in children] == [
        ("email", "<inner@x>", None), ("email", "<b64@x>", "forwarded.eml")]
    assert case.originals.read_bytes(children[0]["sha256"]) == inner.rstrip(b"\n")
    assert case.originals.read_bytes(children[1]["sha256"]) == base64.decodebytes(encoded)
    assert children[1]["subject"] == "encoded"


def test_smime_messages_get_a_status_and_a_note(case: Case, inbox: Path) -> None:
    body = base64.encodebytes(os.urandom(300))
    (inbox / "smime.eml").write_bytes(raw_message(
        body, cte="base64",
        content_type='application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"'))
    result = ingest_paths(case, [inbox], progress=False)
    [row] = [r for r in list_dispatches(case) if r["parent_id"] is None]
    assert result.ok and row["pgp_status"] == "smime-encrypted" and row["status"] == "warning"
    assert row["warning"].startswith("the message is S/MIME-encrypted; leakdesk cannot decrypt S/MIME")


def test_a_crlf_copy_is_the_same_letter_not_a_variant(case: Case, inbox: Path) -> None:
    (inbox / "a.eml").write_bytes(raw_message(b"the letter\n", message_id="<same@x>"))
    (inbox / "b.eml").write_bytes(raw_message(b"the letter\n", message_id="<same@x>").replace(b"\n", b"\r\n"))
    (inbox / "c.eml").write_bytes(raw_message(b"the letter, edited\n", message_id="<same@x>"))
    result = ingest_paths(case, [inbox], progress=False)
    assert result.created == [1, 2] and result.re_received == [1]
    assert [v["dispatch_id"] for v in result.variants] == [2]
    with case.connect() as conn:
        events = conn.execute(sa.select(t.custody.c.dispatch_id, t.custody.c.event, t.custody.c.location)).all()
    assert (1, "re-received", "same letter, other line endings") in events


def test_library_warnings_are_recorded_against_the_file_not_printed(case: Case, inbox: Path,
                                                                     capsys) -> None:  # type: ignore[no-untyped-def]
    import warnings

    from leakdesk.intake.ingest import Ingester
    from leakdesk.intake.readers.unknown import UnknownReader
    from leakdesk.intake.registry import Extracted, Reader, Registry, TextPart

    class Noisy(Reader):
        name = "noisy"
        extensions = ("noisy",)

        def read(self, source, ctx):  # type: ignore[no-untyped-def]
            warnings.warn("Multiple definitions in dictionary at byte 0x1f for key /Info", UserWarning, stacklevel=1)
            return Extracted(texts=[TextPart("attachment", "readable words", "noisy", "1")])

    (inbox / "a.noisy").write_bytes(b"whatever")
    ingester = Ingester(case, registry=Registry([Noisy()], UnknownReader()))
    ingester.ingest_path(inbox / "a.noisy")
    assert ingester.result.problems == []
    assert [w.line() for w in ingester.result.warnings] == [
        f"{inbox / 'a.noisy'}: the noisy reader's library warned: Multiple definitions in dictionary at byte 0x1f "
        "for key /Info"]
    assert capsys.readouterr().err == ""
    [row] = list_dispatches(case)
    assert row["status"] == "warning"


def test_an_openssl_signed_smime_message_gets_a_status_and_a_plain_note(case: Case, inbox: Path,
                                                                        tmp_path: Path) -> None:
    """A multipart/signed message with an application/pkcs7-signature, signed here by openssl with a throwaway key."""
    import subprocess

    key, cert, letter = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "letter.txt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-subj", "/CN=insider", "-days", "2"], check=True, capture_output=True)
    letter.write_bytes(b"Content-Type: text/plain; charset=utf-8\n\nThe figures are in the second ledger.\n")
    signed = subprocess.run(["openssl", "cms", "-sign", "-in", letter, "-signer", cert, "-inkey", key,
                             "-from", "insider@example.org", "-to", "desk@example.org", "-subject", "Ledger"],
                            check=True, capture_output=True).stdout
    assert b'protocol="application/pkcs7-signature"' in signed
    (inbox / "signed.eml").write_bytes(signed)
    result = ingest_paths(case, [inbox], progress=False)
    [row] = [r for r in list_dispatches(case) if r["parent_id"] is None]
    assert result.ok and row["pgp_status"] == "smime-signed" and row["status"] == "warning"
    assert row["warning"] == ("S/MIME signature present; not verified yet (`leakdesk dispatch smime CASE --ca FILE` "
                              "checks it against the desk's CA certificates)")
    [text] = [x for x in _texts(case, row["id"]) if x.role == "body"]
    assert "The figures are in the second ledger." in text.content


def _stored_message(case: Case, n: int) -> bytes:
    rows = sorted((r for r in list_dispatches(case) if r["parent_id"] is None), key=lambda r: r["id"])
    return case.originals.read_bytes(rows[n]["sha256"])


def test_mboxrd_quoted_from_lines_lose_one_quote(case: Case, inbox: Path) -> None:
    """mboxrd quotes ">From " again as ">>From ": such a file gets one ">" taken off each quoted line."""
    body = b"Dear desk,\n>From the minutes:\n>>From the ledger:\nregards\n"
    (inbox / "rd.mbox").write_bytes(ENVELOPE + raw_message(body) + b"\n")
    ingest_paths(case, [inbox / "rd.mbox"], progress=False)
    stored = _stored_message(case, 0)
    assert stored.endswith(b"Dear desk,\nFrom the minutes:\n>From the ledger:\nregards\n")
    [row] = [r for r in list_dispatches(case) if r["parent_id"] is None]
    assert _details(case, row["id"])["unquoted_from_lines"] == 2


def test_mboxo_quoted_from_lines_are_kept(case: Case, inbox: Path) -> None:
    """Without ">>From " the quoting cannot be told from mboxo's: ">From " stays as written."""
    body = b"Dear desk,\n>From the minutes:\nregards\n"
    (inbox / "o.mbox").write_bytes(ENVELOPE + raw_message(body) + b"\n")
    ingest_paths(case, [inbox / "o.mbox"], progress=False)
    assert _stored_message(case, 0).endswith(b"Dear desk,\n>From the minutes:\nregards\n")


def test_maildir_members_go_straight_to_the_email_reader_with_the_same_result(tmp_path: Path,
                                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A Maildir member is an email: it is not scored against every reader, and reads as the same file alone."""
    from leakdesk.intake.registry import Registry, default_registry
    from tests.intake.conftest import with_attachment

    letters = {
        "1.host:2,S": raw_message(message_id="<plain@x>"),
        "2.host": b"\n  \n" + raw_message(message_id="<blank-first@x>"),
        "3.host:2,RS": with_attachment(b"Minutes of the meeting.\n", "notes.txt", "text", "plain",
                                       message_id="<attached@x>"),
        "4.host": raw_message(RU_TEXT.encode("koi8-r"), content_type="text/plain; charset=koi8-r",
                              message_id="<ru@x>"),
    }
    root, loose = tmp_path / "Maildir", tmp_path / "loose"
    (root / "cur").mkdir(parents=True)
    loose.mkdir()
    for name, data in letters.items():
        (root / "cur" / name).write_bytes(data)
        (loose / f"{name.split(':')[0]}.eml").write_bytes(data)
    registry = default_registry()
    chosen: list[str | None] = []
    choose = Registry.choose

    def counting_choose(self: Registry, source: Source):  # type: ignore[no-untyped-def]
        chosen.append(source.filename)
        return choose(self, source)

    def listing(case: Case) -> list[tuple[object, ...]]:
        rows = sorted(list_dispatches(case), key=lambda r: (str(r["message_id"]), str(r["filename"])))
        return [(r["message_id"], r["kind"], r["subject"], r["sender"], r["date_utc"], r["language"],
                 r["status"], r["media_type"], r["sha256"], r["parent_id"] is None) for r in rows]

    with monkeypatch.context() as m:
        m.setattr(Registry, "choose", counting_choose)
        maildir_case = Case.init(tmp_path / "case-maildir")
        from_maildir = ingest_paths(maildir_case, [root], progress=False)
    assert chosen == ["Maildir", "notes.txt"]  # the folder and the attachment; never the Maildir's messages
    loose_case = Case.init(tmp_path / "case-loose")
    from_files = ingest_paths(loose_case, [loose], progress=False)
    assert listing(maildir_case) == listing(loose_case)
    assert from_maildir.problems == from_files.problems == []
    assert [p.message for p in from_maildir.warnings] == [p.message for p in from_files.warnings] == [
        "the message starts with a blank line; it was read from the first header line"]
    with maildir_case.connect() as conn, loose_case.connect() as conn2:
        texts = sorted(r.content for r in conn.execute(sa.select(t.text.c.content)))
        assert texts == sorted(r.content for r in conn2.execute(sa.select(t.text.c.content)))
    assert registry is default_registry()
