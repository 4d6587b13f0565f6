"""Hostile and broken input: one clear line each, an error dispatch, the bytes kept, the batch going on."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.store import tables as t
from leakdesk.store.fsck import fsck
from leakdesk.store.records import dispatches
from tests.intake.conftest import RU_TEXT, mbox_bytes, raw_message, with_attachment


def _nested(levels: int) -> bytes:
    inner = raw_message(b"the innermost letter\n", message_id="<n0@x>")
    for i in range(levels):
        inner = (
            f"From: a@example.org\nSubject: level {i}\nMessage-ID: <n{i + 1}@x>\nMIME-Version: 1.0\n"
            "Content-Type: message/rfc822\n\n"
        ).encode() + inner
    return inner


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.txt", b"\0" * 30_000_000)
        z.writestr("fine.txt", b"an ordinary member")
    return out.getvalue()


BAD: dict[str, tuple[bytes, str]] = {
    "broken-mime.eml": (
        raw_message(b"no boundary here\n", content_type='multipart/mixed; boundary="XYZ"'),
        "broken MIME structure: the MIME boundary declared in the headers never appears in the body",
    ),
    "bad-base64.eml": (
        raw_message(b"SGVsbG8gd29ybGQ*&^%$#@!!!!=\n", cte="base64"),
        "invalid base64 in the body (part 1); the bytes that could be decoded were kept",
    ),
    "bad-qp.eml": (
        raw_message(b"Hello =ZZ world\n", cte="quoted-printable"),
        "invalid quoted-printable in the body (part 1); the text was decoded as far as possible",
    ),
    "unknown-charset.eml": (
        raw_message(RU_TEXT.encode("cp1251"), content_type="text/plain; charset=x-klingon"),
        "charset repaired in the body (part 1): declared charset 'x-klingon' is unknown; "
        "charset-normalizer detected cp1251",
    ),
    "mislabelled.eml": (
        raw_message(RU_TEXT.encode("koi8_r"), content_type="text/plain; charset=windows-1251"),
        "charset repaired in the body (part 1): declared cp1251, but the text decoded with it is not Russian",
    ),
    "nul-header.eml": (
        raw_message(headers={"Subject": "bad\x00subject"}),
        "the Subject header contains NUL bytes (shown as \\x00)",
    ),
    "long-header.eml": (
        raw_message(headers={"X-Long": "a" * 1_048_576}),
        "the X-Long header line is 1,048,576 characters long (limit 65,536); it is kept in full in the original, "
        "truncated in the header table",
    ),
    "fake.pdf": (b"these are words, not a PDF", "not a PDF although it is named or labelled as one"),
    "fake.docx": (os.urandom(3000), "not a Word document although it is named or labelled as .docx"),
    "empty.eml": (b"", "the file is empty (0 bytes)"),
    "random.bin": (os.urandom(4096), "not a kind of file leakdesk can read"),
}


@pytest.fixture(scope="module")
def bad_case(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One ingest of the whole hostile batch, shared by the tests below (it is the batch that is under test)."""
    tmp_path = tmp_path_factory.mktemp("bad-input")
    case = Case.init(tmp_path / "case")
    inbox = tmp_path / "bad"
    inbox.mkdir()
    for name, (data, _) in BAD.items():
        (inbox / name).write_bytes(data)
    (inbox / "nested.eml").write_bytes(_nested(200))
    (inbox / "bomb.zip").write_bytes(_zip_bomb())
    (inbox / "passwd.eml").write_bytes(with_attachment(b"root:x:0:0", "../../etc/passwd", "text", "plain"))
    box = mbox_bytes([raw_message(message_id=f"<mb{i}@x>") for i in range(3)])
    (inbox / "truncated.mbox").write_bytes(box[:-25])
    (inbox / "good.eml").write_bytes(raw_message(message_id="<good@x>"))
    before = sorted(p for p in tmp_path.rglob("*") if "case" not in p.parts)
    result = ingest_paths(case, [inbox], progress=False)
    after = sorted(p for p in tmp_path.rglob("*") if "case" not in p.parts)
    assert before == after, "nothing may be written outside the case folder"
    yield case, inbox, result.problems, result.warnings
    case.close()


# Readable in full, with something the desk should know: a warning, not an error (ingest still exits 0 for these).
WARNINGS = {"bad-qp.eml", "unknown-charset.eml", "mislabelled.eml"}


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_input_gets_a_clear_line_and_an_error_or_warning_dispatch(bad_case, name: str) -> None:
    case, inbox, problems, warnings = bad_case
    expected = BAD[name][1]
    status = "warning" if name in WARNINGS else "error"
    lines = [p.line() for p in (warnings if name in WARNINGS else problems) if p.where == str(inbox / name)]
    assert len(lines) == 1 and lines[0].startswith(f"{inbox / name}: {expected}"), lines
    assert not [p for p in (problems if name in WARNINGS else warnings) if p.where == str(inbox / name)]
    [row] = [r for r in list_dispatches(case) if r["filename"] == name]
    assert row["status"] == status
    assert (row["warning"] if name in WARNINGS else row["error"]).startswith(expected)
    assert case.originals.read_bytes(row["sha256"]) == BAD[name][0]


def test_nesting_stops_at_the_depth_limit(bad_case) -> None:
    case, inbox, problems, _warnings = bad_case
    rows = list_dispatches(case)
    top = next(r for r in rows if r["filename"] == "nested.eml")
    chain = [r for r in rows if r["id"] > top["id"] and r["kind"] == "email" and r["parent_id"] is not None]
    assert len(chain) == 21  # 20 read levels, then one kept unread
    assert chain[-1]["status"] == "error"
    assert chain[-1]["error"] == "nested more than 20 levels deep; the rest is kept as one original, unread"
    assert any(p.line().startswith(f"{inbox / 'nested.eml'}, attached message (part 1, 21 levels down): nested")
               for p in problems)


def test_zip_bomb_is_refused_but_its_ordinary_members_kept(bad_case) -> None:
    case, inbox, problems, _warnings = bad_case
    rows = {r["filename"]: r for r in list_dispatches(case)}
    assert rows["fine.txt"]["status"] == "ok"
    assert rows["bomb.zip"]["kind"] == "container" and rows["bomb.zip"]["status"] == "error"
    assert "member 'zeros.txt' would expand from" in rows["bomb.zip"]["error"]
    assert rows["bomb.zip"]["error"].endswith("not extracted: this looks like a zip bomb")


def test_attachment_escaping_the_folder_is_named_and_contained(bad_case) -> None:
    case, inbox, problems, _warnings = bad_case
    [row] = [r for r in list_dispatches(case) if r["filename"] == "passwd"]
    assert row["status"] == "error" and row["parent_id"] is not None
    assert row["error"].startswith("the attachment's name '../../etc/passwd' contains folder parts")


def test_truncated_mbox_keeps_what_is_readable(bad_case) -> None:
    case, inbox, problems, _warnings = bad_case
    rows = [r for r in list_dispatches(case) if (r["message_id"] or "").startswith("<mb")]
    assert [r["status"] for r in rows] == ["ok", "ok", "error"]
    assert rows[-1]["error"] == (
        "the mbox ends in the middle of a line: this last message is cut short (truncated file)"
    )


def test_the_batch_goes_on_and_the_case_stays_sound(bad_case) -> None:
    case, inbox, problems, _warnings = bad_case
    good = [r for r in list_dispatches(case) if r["message_id"] == "<good@x>"]
    assert good and good[0]["status"] == "ok"
    with case.connect() as conn:
        assert fsck(conn, case.originals).ok
        errors = conn.execute(sa.select(sa.func.count()).where(t.dispatch.c.status == "error")).scalar()
    assert errors == len(problems)
    assert not (case.root / ".intake-scratch").exists() or not any((case.root / ".intake-scratch").iterdir())


BIG_SCRIPT = r"""
import base64, os, sys
from pathlib import Path
root = Path(sys.argv[1])
p = root / "big.eml"
with open(p, "wb") as f:
    f.write(b"From: a@example.org\nTo: b@example.org\nSubject: big\nMessage-ID: <big@x>\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\nContent-Type: text/plain\n\nSee attached.\n"
            b"--BB\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"big.bin\"\n"
            b"Content-Transfer-Encoding: base64\n\n")
    block = os.urandom(57 * 1000)
    for _ in range(200 * 1024 * 1024 // len(block) + 1):
        f.write(base64.encodebytes(block))
    f.write(b"--BB--\n")
from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
case = Case.init(root / "case")
result = ingest_paths(case, [p], progress=False)
rows = list_dispatches(case)
print(result.ok, len(rows), rows[1]["filename"], case.originals.path(rows[1]["sha256"]).stat().st_size)
# VmHWM is this process image's own peak: ru_maxrss would also count the pytest process this one was forked from,
# which Linux carries across exec (a gigabyte late in a full run).
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("peak_rss_mb", int(hwm.split()[1]) / 1024)
"""


@pytest.mark.slow
def test_200mb_attachment_in_bounded_memory(tmp_path: Path) -> None:
    import subprocess
    import sys

    import psutil

    proc = subprocess.Popen([sys.executable, "-c", BIG_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        try:
            proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
    out = proc.stdout.read() if proc.stdout else ""
    assert proc.returncode == 0, out
    first, second = out.strip().splitlines()
    ok, rows, name, size = first.split()
    assert (ok, rows, name) == ("True", "2", "big.bin") and int(size) >= 200 * 1024 * 1024
    reported_peak_mb = float(second.split()[1])
    assert reported_peak_mb < 1024 and peak < 1024**3, (reported_peak_mb, peak)


def test_large_message_splitter_streams_parts_and_keeps_the_rest(case: Case, tmp_path: Path) -> None:
    """The streaming path on a small scale: nested multipart, base64 and quoted-printable parts above the limit."""
    from email.message import EmailMessage

    from leakdesk.intake import Limits

    blob = os.urandom(40_000)
    qp_text = "".join(f"Строка отчёта номер {i}: деньги переведены через банк.\n" for i in range(600))
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = "a@example.org", "b@example.org", "Big", "<big-small@x>"
    m.set_content("Short body, see the attachments.")
    m.add_attachment(blob, maintype="application", subtype="octet-stream", filename="blob.bin")
    m.add_attachment(qp_text, subtype="plain", charset="utf-8", cte="quoted-printable", filename="notes.txt")
    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content("the forwarded letter")
    inner.add_attachment(blob[:30_000], maintype="application", subtype="octet-stream", filename="scan.dat")
    m.add_attachment(inner)
    path = tmp_path / "big-small.eml"
    path.write_bytes(bytes(m))
    limits = Limits(large_message=10_000, large_part=5_000)
    result = ingest_paths(case, [path], progress=False, limits=limits)
    assert result.ok, result.problems
    rows = {r["filename"] or r["kind"]: r for r in list_dispatches(case)}
    assert case.originals.read_bytes(rows["big-small.eml"]["sha256"]) == path.read_bytes()
    assert case.originals.read_bytes(rows["blob.bin"]["sha256"]) == blob
    assert case.originals.read_bytes(rows["notes.txt"]["sha256"]).decode("utf-8") == qp_text
    assert case.originals.read_bytes(rows["scan.dat"]["sha256"]) == blob[:30_000]
    assert rows["scan.dat"]["parent_id"] == rows["email"]["id"]  # inside the forwarded message
    with case.connect() as conn:
        body = conn.execute(sa.select(t.text.c.content).where(
            t.text.c.dispatch_id == rows["big-small.eml"]["id"])).scalar()
        headers = [h.name for h in dispatches.headers(conn, rows["big-small.eml"]["id"])]
    assert body.strip() == "Short body, see the attachments."
    assert "X-Leakdesk-Stored-Part" not in headers
    assert not any((case.root / ".intake-scratch").iterdir())


def _zip_with_damaged_member(compression: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        z.writestr("first.txt", "Первая записка, целая.\n".encode())
        z.writestr("second.txt", b"Words of the second note.\n")
        z.writestr("third.txt", b"The third note, whole.\n")
    data = bytearray(out.getvalue())
    if compression == zipfile.ZIP_STORED:
        data[data.find(b"Words of") + 1] ^= 0x01  # "Words" becomes "Wnrds": the declared CRC32 no longer matches
    else:  # deflated data would fail to inflate; change the CRC32 the central directory declares instead
        entry = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)  # the second member's central entry
        data[entry + 16] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
def test_a_zip_member_with_a_wrong_checksum_is_kept_and_named_and_the_rest_read(
        case: Case, tmp_path: Path, compression: int) -> None:
    path = tmp_path / "notes.zip"
    path.write_bytes(_zip_with_damaged_member(compression))
    result = ingest_paths(case, [path], progress=False)
    rows = {r["filename"]: r for r in list_dispatches(case)}
    damage = ("member 'second.txt' is damaged: its checksum does not match the one the archive declares (the bytes "
              "are kept as they came out)")
    assert (rows["second.txt"]["status"], rows["second.txt"]["error"]) == ("error", damage)
    assert rows["first.txt"]["status"] == rows["third.txt"]["status"] == "ok"
    with case.connect() as conn:
        texts = conn.execute(sa.select(t.text.c.content).where(t.text.c.dispatch_id == rows["second.txt"]["id"]))
        expected = "Wnrds of the second note." if compression == zipfile.ZIP_STORED else "Words of the second note."
        assert [x.strip() for x in texts.scalars()] == [expected]
    assert [(p.where, p.message) for p in result.problems] == [(f"{path}, member 2", damage)]
