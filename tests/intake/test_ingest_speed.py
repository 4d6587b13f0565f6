"""The cheap paths of the ingest hot path give the same answers as the slow ones they replace (issue 9, speed)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.case import Case
from leakdesk.intake import ingest, ingest_paths, list_dispatches
from leakdesk.intake.charsets import CYRILLIC_FAMILY, fit_of_bytes, russian_fit
from leakdesk.language.langid import script_counts
from leakdesk.store import tables as t
from leakdesk.store.digests import rows_digest
from leakdesk.store.fsck import fsck
from tests.intake.conftest import EN_TEXT, RU_TEXT, raw_message

ENVELOPE = b"From insider@example.org Tue Aug  3 14:05:00 2021\n"
SAMPLES = [RU_TEXT * 20, EN_TEXT * 20, RU_TEXT.upper() * 5, RU_TEXT.swapcase() * 5, "дПВТЩК iPhone McDonald " * 40,
           (RU_TEXT + " Отчёт для NATO и ФСБ, копия в USA; Moscow, Kyiv. ") * 10,  # Latin capitals, no flip
           (RU_TEXT.upper() + " NATO USA KYIV MOSCOW ") * 5]


@pytest.mark.parametrize("codec", CYRILLIC_FAMILY)
def test_the_byte_level_russian_fit_is_the_text_fit(codec: str) -> None:
    for text in SAMPLES:
        for written_in in CYRILLIC_FAMILY:
            data = text.encode(written_in, "replace")
            assert fit_of_bytes(data, codec) == russian_fit(data.decode(codec, errors="replace"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(CYRILLIC_FAMILY))
def test_the_byte_level_russian_fit_is_the_text_fit_on_any_bytes(data: bytes, codec: str) -> None:
    assert fit_of_bytes(data, codec) == russian_fit(data.decode(codec, errors="replace"))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_script_counts_are_the_regex_counts(text: str) -> None:
    assert script_counts(text) == (len(re.findall(r"[\u0400-\u04FF]", text)), len(re.findall(r"[A-Za-z]", text)))


def _mbox(*messages: bytes) -> bytes:
    return b"".join(ENVELOPE + m.rstrip(b"\n") + b"\n\n" for m in messages)


def test_repeated_messages_in_an_mbox_across_batches_are_one_dispatch_each(
        case: Case, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The "already in the case?" lookup is made once per group of messages: a message repeated later in the same
    mbox, in the same batch or after the batch holding its first copy was written, is still one dispatch."""
    monkeypatch.setattr(ingest, "BATCH_DISPATCHES", 3)
    letters = [raw_message(f"Letter number {i}, {EN_TEXT}\n".encode(), message_id=f"<m{i}@x>") for i in range(7)]
    order = [0, 1, 0, 2, 3, 4, 1, 5, 6, 6, 2]
    (inbox / "box.mbox").write_bytes(_mbox(*(letters[i] for i in order)))
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    assert result.ok and len(result.created) == 7 and len(result.re_received) == 4
    assert sorted(r["message_id"] for r in list_dispatches(case)) == sorted(f"<m{i}@x>" for i in range(7))
    again = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    assert again.created == [] and len(again.re_received) == len(order)
    with case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.dispatch)).scalar() == 7
        received = conn.execute(sa.select(sa.func.count()).select_from(t.custody)
                                .where(t.custody.c.event == "re-received", t.custody.c.dispatch_id.is_not(None)))
        assert received.scalar() == 4 + len(order)
        assert fsck(conn, case.originals).ok


def test_digests_recorded_at_ingest_are_the_digests_of_the_rows(case: Case, inbox: Path) -> None:
    """The batch digests hash the rows as read back; fsck's own derivation must agree for every kind of letter."""
    multipart = (b"--BB\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n"
                 + RU_TEXT.encode("koi8-r") + b"\n--BB\nContent-Type: application/octet-stream\n"
                 b'Content-Disposition: attachment; filename="a.bin"\nContent-Transfer-Encoding: base64\n\n'
                 + base64.encodebytes(b"\x00\x01" * 300) + b"--BB--\n")
    letters = [
        raw_message(RU_TEXT.encode("cp1251"), content_type="text/plain; charset=windows-1251", message_id="<a@x>"),
        raw_message(message_id="<b@x>", headers={"Date": "not a date", "Subject": "=?utf-8?q?caf=C3=A9?="}),
        raw_message(multipart, content_type='multipart/mixed; boundary="BB"', message_id="<c@x>"),
    ]
    (inbox / "box.mbox").write_bytes(_mbox(*letters))
    result = ingest_paths(case, [inbox / "box.mbox"], progress=False)
    assert len(result.created) == 3 and result.children == 1
    with case.connect() as conn:
        recorded = {row.object: row.details for row in conn.execute(
            sa.select(t.audit.c.object, t.audit.c.details).where(t.audit.c.action == "intake.ingest"))}
        for dispatch_id in result.created:
            assert f'"rows_digest":{_canonical(rows_digest(conn, dispatch_id))}' in recorded[f"dispatch {dispatch_id}"]
        assert fsck(conn, case.originals).ok


def _canonical(value: object) -> str:
    from leakdesk.store.audit import canonical

    return canonical(value)


def test_the_pgp_step_runs_for_armour_in_a_base64_body_and_not_for_a_plain_letter(
        case: Case, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import leakdesk.intake.pgp as pgp

    seen: list[bytes] = []

    def spy(gnupg_home: Path, message, raw: bytes):  # type: ignore[no-untyped-def]
        seen.append(raw)
        return None

    monkeypatch.setattr(pgp, "process_pgp", spy)
    armour = b"-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n"
    (inbox / "hidden.eml").write_bytes(raw_message(base64.encodebytes(armour), cte="base64", message_id="<h@x>"))
    (inbox / "plain.eml").write_bytes(raw_message(message_id="<p@x>"))
    (inbox / "signed.eml").write_bytes(raw_message(
        b"--S\nContent-Type: text/plain\n\nsigned text\n--S\nContent-Type: application/pgp-signature\n\nsig\n--S--\n",
        content_type='multipart/signed; protocol="application/pgp-signature"; boundary="S"', message_id="<s@x>"))
    ingest_paths(case, [inbox], progress=False)
    assert len(seen) == 2 and all(b"<p@x>" not in raw for raw in seen)


def _read_mbox(data: bytes, tmp: Path) -> list[tuple[bytes, dict, list[str], str | None]]:  # type: ignore[type-arg]
    from leakdesk.intake.readers.mbox import MboxReader
    from leakdesk.intake.registry import Limits, ReadContext, Source
    from leakdesk.store.originals import Digests

    stored: list[bytes] = []

    def store(chunks):  # type: ignore[no-untyped-def]
        stored.append(b"".join(chunks))
        return Digests(str(len(stored)).zfill(64), "", "", len(stored[-1]))

    path = tmp / "box.mbox"
    path.write_bytes(data)
    ctx = ReadContext(limits=Limits(), store_chunks=store, originals_path=lambda sha: tmp, scratch_dir=tmp)
    ex = MboxReader().read(Source(path=path), ctx)
    children = list(ex.children)
    return [(stored[i], c.details, c.warnings, c.error) for i, c in enumerate(children)] + [ex.details]  # type: ignore[list-item]


LINES = [b"From insider@example.org Tue Aug  3 14:05:00 2021\n", b"From me to you, nothing\n", b"\n", b"\r\n",
         b"Subject: hello\n", b"Received: from mx by desk; Tue, 3 Aug 2021\n", b"Message-ID: <x@y>\n",
         b"Return-Path: <a@b>\n", b" folded continuation\n", b"plain prose line\n", b">From quoted\n",
         b">>From quoted twice\n", b"prose with crlf\r\n", b"X" * 300 + b"\n", b"Content-Length: 12\n"]


@pytest.mark.pure_python  # switches the block path off by patching the module
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=80), st.integers(min_value=0, max_value=2))
def test_the_block_path_of_the_mbox_reader_reads_as_the_line_by_line_path(tmp_path_factory: pytest.TempPathFactory,
                                                                          picks: list[bytes], cut: int) -> None:
    """Body lines taken in one piece give the same messages, details and warnings as reading every line."""
    from leakdesk.intake.readers import mbox

    data = LINES[0] + b"Subject: first\n\n" + b"".join(picks)
    data = data[: len(data) - cut]  # sometimes cut inside the last line (a truncated file)
    tmp = tmp_path_factory.mktemp("mbox")
    fast = _read_mbox(data, tmp)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mbox, "WINDOW", 0)
        patch.setattr(mbox, "WHOLE", (0,))
        slow = _read_mbox(data, tmp)
    assert fast == slow


def test_variants_in_an_mbox_are_found_by_the_batch_query(case: Case, inbox: Path) -> None:
    """One query per batch finds an earlier copy with the same Message-ID: other bytes are a variant, a CRLF copy
    is the same letter, a letter with a Message-ID of its own is neither."""
    first = raw_message(b"The first copy.\n", message_id="<same@x>")
    other = raw_message(b"A different second copy.\n", message_id="<same@x>")
    alone = raw_message(b"Unrelated.\n", message_id="<alone@x>")
    (inbox / "one.mbox").write_bytes(_mbox(first, alone))
    ingest_paths(case, [inbox / "one.mbox"], progress=False)
    (inbox / "two.mbox").write_bytes(_mbox(other, first.replace(b"\n", b"\r\n")))
    result = ingest_paths(case, [inbox / "two.mbox"], progress=False)
    rows = {r["id"]: r for r in list_dispatches(case) if r["parent_id"] is None}
    [original] = [i for i, r in rows.items() if r["message_id"] == "<same@x>" and r["variant_of"] is None]
    assert result.variants == [{"dispatch_id": result.created[0], "variant_of": original, "message_id": "<same@x>"}]
    assert len(result.created) == 1 and result.re_received == [original]


BODIES = [b"plain prose line\n", b"", b"\n\n", b">From quoted\n>>From quoted twice\n", b"From me to you, nothing\n",
          b"Received: from mx by desk; Tue, 3 Aug 2021\nMessage-ID: <x@y>\nReturn-Path: <a@b>\n",
          b"line\r\nwith crlf\r\n", b"Y" * 9000 + b"\n", (b"Z" * 75 + b"\n") * 900, b"X" * 70_000 + b"\n",
          b"no newline at the end", b"prose\nRECEIVED: from mx\nmessage-id: <l@x>\nReturn-PATH: <a@b>\n",
          b"prose\nreceived-by: not a transport header\n", b"prose\nRECEIVED: from mx\nRETURN-PATH: <a@b>\nX-Hop: 1\n"]
HEADS = [b"Subject: hello\nMessage-ID: <m@x>\n", b"Subject: cl\nContent-Length: 5\n", b"CONTENT-LENGTH: 7\n",
         b"From nobody\nSubject: odd\n", b"Subject: crlf\r\n", b"", b"\n", b"Subject: folded\n continuation\n"]


@pytest.mark.pure_python  # switches the block path off by patching the module
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(HEADS), st.sampled_from(BODIES), st.sampled_from([b"\n", b"", b"\r\n"])),
                min_size=1, max_size=6))
def test_whole_messages_taken_at_once_read_as_the_line_by_line_path(
        tmp_path_factory: pytest.TempPathFactory, messages: list[tuple[bytes, bytes, bytes]]) -> None:
    """A message taken whole (no decision inside it) gives the same bytes, details and warnings as the block path
    and as reading every line, in mboxo and mboxrd files, with CRLF, Content-Length and missed-separator signs."""
    from leakdesk.intake.readers import mbox

    data = b"".join(LINES[0] + head + b"\n" + body + blank for head, body, blank in messages)
    tmp = tmp_path_factory.mktemp("mbox")
    fast = _read_mbox(data, tmp)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mbox, "WHOLE", (0,))
        blocks = _read_mbox(data, tmp)
        patch.setattr(mbox, "WINDOW", 0)
        lines = _read_mbox(data, tmp)
    assert fast == blocks == lines


@pytest.mark.pure_python  # spies on a function by patching the module
def test_common_mbox_messages_are_taken_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from leakdesk.intake.readers import mbox

    taken: list[bytes] = []
    whole = mbox._whole_message

    def spy(lines, mboxrd):  # type: ignore[no-untyped-def]
        found = whole(lines, mboxrd)
        if found is not None:
            taken.append(found[0])
        return found

    monkeypatch.setattr(mbox, "_whole_message", spy)
    letters = [raw_message(f"Letter {i}\n\n{EN_TEXT}\n".encode(), message_id=f"<w{i}@x>") for i in range(3)]
    _read_mbox(_mbox(*letters), tmp_path)
    assert taken == [letter.rstrip(b"\n") + b"\n" for letter in letters[:2]]  # the last one ends the file


def test_library_warnings_inside_an_mbox_belong_to_the_message_that_raised_them(
        case: Case, inbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The container's one catch of library warnings gives each message its own, as a catch per message did: a
    warning goes to the message whose reading raised it, and a reader that silences warnings does so only for
    its own message."""
    import warnings

    from leakdesk.intake.ingest import Ingester
    from leakdesk.intake.readers.mbox import MboxReader
    from leakdesk.intake.readers.unknown import UnknownReader
    from leakdesk.intake.registry import Extracted, Reader, Registry, TextPart

    class Noisy(Reader):
        name = "eml"  # the mbox reader hands its members to the reader of this name

        def read(self, source, ctx):  # type: ignore[no-untyped-def]
            body = source.read_bytes()
            if b"silence" in body:
                warnings.simplefilter("ignore")  # a library that mutes warnings for good
            if b"noisy" in body or b"silence" in body:
                warnings.warn(f"odd bytes in {body.split()[-1].decode()}", UserWarning, stacklevel=1)
            return Extracted(kind="email", texts=[TextPart("body", body.decode(), "noisy", "1")])

    letters = [b"Subject: a\n\nquiet one\n", b"Subject: b\n\nnoisy two\n", b"Subject: c\n\nsilence three\n",
               b"Subject: d\n\nnoisy four\n"]
    (inbox / "box.mbox").write_bytes(_mbox(*letters))
    ingester = Ingester(case, registry=Registry([MboxReader(), Noisy()], UnknownReader()))
    ingester.ingest_path(inbox / "box.mbox")
    assert ingester.result.problems == []
    assert [w.line() for w in ingester.result.warnings] == [
        f"{inbox / 'box.mbox'}, message {n}: the eml reader's library warned: odd bytes in {word}"
        for n, word in ((2, "two"), (4, "four"))]
    assert capsys.readouterr().err == ""


def test_the_collector_runs_less_often_inside_a_container_and_its_thresholds_come_back(
        case: Case, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen: list[tuple[int, int, int]] = []
    write = ingest.records.write_letters

    def watching(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.get_threshold())
        return write(*args, **kwargs)

    monkeypatch.setattr(ingest.records, "write_letters", watching)
    before = gc.get_threshold()
    (inbox / "box.mbox").write_bytes(b"".join(b"From x@example.org Tue Aug  3 14:05:00 2021\n"
                                              + raw_message(f"letter {i}".encode(), message_id=f"<gc{i}@x>") + b"\n"
                                              for i in range(3)))
    assert gc.get_freeze_count() == 0
    with ingest._fewer_collections():  # an ingest inside another (a second thread): the outer one restores
        assert gc.get_threshold()[0] == max(before[0], ingest.GC_THRESHOLD)
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the objects there before the ingest are out of the collector's passes
        ingest_paths(case, [inbox], progress=False)
        assert gc.get_threshold()[0] == max(before[0], ingest.GC_THRESHOLD)
        assert 0 < gc.get_freeze_count() <= frozen  # the inner one neither froze more nor unfroze (some freed)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    gc.freeze()  # a process that froze its own objects (the web server) keeps them frozen
    try:
        mine = gc.get_freeze_count()
        ingest_paths(case, [inbox], progress=False)
        assert 0 < gc.get_freeze_count() <= mine
    finally:
        gc.unfreeze()
    assert seen and all(s[0] == max(before[0], 100_000) for s in seen)  # the default is 700
    monkeypatch.setattr(ingest.Ingester, "_flush", lambda self: 1 / 0)  # an ingest that fails: restored too
    with pytest.raises(ZeroDivisionError):
        ingest_paths(case, [inbox / "box.mbox"], progress=False)
    assert gc.get_threshold() == before


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"x", b"\n", b">", b">>From ", b"\n>>From ", b"From ", b">From "]), max_size=30),
       st.integers(min_value=1, max_value=12))
def test_the_mboxrd_mark_is_found_wherever_the_chunks_cut_it(pieces: list[bytes], chunk: int) -> None:
    """`is_mboxrd` reads in chunks without joining each onto the tail of the last: a ">>From " line is found
    whether it lies inside a chunk, across two or three of them, or at the start of the file."""
    import io

    from leakdesk.intake.readers import mbox

    data = b"".join(pieces)
    fh = io.BytesIO(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mbox, "CHUNK", chunk)
        assert mbox.is_mboxrd(fh) == (mbox.MBOXRD_MARK in b"\n" + data)
    assert fh.tell() == 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(categories=("Zs", "Zl", "Zp", "Cc", "Lu", "Pd")), max_size=6),
       st.sampled_from(["-----BEGIN PGP MESSAGE-----", "----BEGIN PGP ", "-----BEGIN PGP", "text"]))
def test_pgp_armour_is_found_as_lstrip_found_it(lead: str, rest: str) -> None:
    content = lead + rest
    assert (ingest._PGP_ARMOUR.match(content) is not None) == content.lstrip().startswith("-----BEGIN PGP ")


def test_pgp_armour_after_any_one_character_is_found_as_lstrip_found_it() -> None:
    for code in range(0x110000):  # every character that may lead the armour, alone
        one = chr(code) + "-----BEGIN PGP MESSAGE-----"
        assert (ingest._PGP_ARMOUR.match(one) is not None) == one.lstrip().startswith("-----BEGIN PGP "), code


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=60), max_size=80).map(lambda rows: b"\n".join(rows)),
       st.lists(st.tuples(st.sampled_from(["take", "seek", "look", "window", "exact"]), st.integers(0, 3100),
                          st.integers(0, 700)), max_size=25))
def test_the_mbox_lines_know_where_the_file_is(data: bytes, ops: list[tuple[str, int, int]]) -> None:
    """`_Lines` keeps the file's position itself (a buffered file's tell() is a system call): after any mix of
    reads, seeks and look-aheads it is where the file is, and a look-ahead reads the bytes at its offset."""
    import io

    from leakdesk.intake.readers.mbox import _Lines

    fh = io.BufferedReader(io.BytesIO(data), buffer_size=64)
    lines = _Lines(fh)
    for op, at, n in ops:
        if op == "take" and lines.peek() is not None:
            lines.take()
        elif op == "seek":
            lines.seek(min(at, len(data)))
        elif op == "look":
            assert lines.look_ahead(at, n) == data[at:at + n]
        elif op == "window":
            assert lines.window(n) == data[lines.offset:lines.offset + n]
        elif op == "exact":
            start = lines.offset
            got = b""
            for chunk in lines.read_exact(n):
                got += chunk
                assert lines._pos == fh.tell()
                assert lines.look_ahead(at, 5) == data[at:at + 5]  # a look-ahead in the middle of the copy
            assert got == data[start:start + n]
        assert lines._pos == fh.tell()
