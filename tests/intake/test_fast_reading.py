"""The email reader's fast paths give the general path's answer (issue 9, ingest speed).

`eml.read_simple` reads the common letter (one text body, plain transfer encoding) without building a `Message`;
`headers.parse_datetime` reads the common RFC 5322 date form without the stdlib's token juggling; the Content-Type
facts of a part are worked out once per distinct header value. Each is held here to the general path on varied
generated letters: charsets (cp1251, KOI8-R, ISO-2022-JP, UTF-7, GB2312, Hebrew, bad bytes), encoded words, folded
and raw 8-bit headers, odd dates, attachments, broken MIME.
"""

from __future__ import annotations

import base64
import email.utils
import quopri
import re
from datetime import UTC, datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.intake import anomalies, charsets
from leakdesk.intake import headers as hdr
from leakdesk.intake.readers import eml
from leakdesk.intake.reading import Extracted, Limits, ReadContext
from tests.intake.conftest import EN_TEXT, RU_TEXT, MemoryStore

TEXTS = [RU_TEXT, EN_TEXT, "今日は。報告書を送ります。", "我们明天见面，带上文件。", "שלום, אני שולח את הדוח.",
         "Bonjour, voilà le rapport déjà signé.", ""]
CHARSETS = ["utf-8", "koi8-r", "windows-1251", "cp866", "iso-8859-5", "iso-2022-jp", "utf-7", "gb2312",
            "iso-8859-8-i", "iso-8859-1", "windows-1252", "us-ascii", "bogus", None]
CTES = ["8bit", "7bit", "binary", "", "8BIT ", "base64", "quoted-printable", "x-unknown", None]
DATES = ["Tue, 03 Aug 2021 14:05:00 +0300", "3 Aug 2021 14:05:00 -0000", "Tue, 3 Aug 2021 4:05:00 +0300",
         "Tue, 03 Aug 21 14:05:00 +0300", "Tue, 03 Aug 2021 14:05 +0300", "Tue, 03 Aug 2021 14:05:00 MSK",
         "Tue, 03 Aug 2021 14:05:00 +0300 (MSK)", "Tue,  03 Aug 2021 14:05:00 +0300", "not a date",
         "Tue, 31 Feb 2021 14:05:00 +0300", "Tue, 03 Aug 2021 25:05:00 +0300", "Sun, 09 Dec 0069 23:59:59 +2400",
         "Tue, 03 aug 2021 14:05:00 +0300", "Tue, 03 Aug 2021 14:05:00 +0000", ""]
SUBJECTS = ["Report", "=?utf-8?b?0J7RgtGH0ZHRgg==?= (copy)", "=?koi8-r?q?=EF=D4=DE=A3=D4?=",
            "Folded\n subject\n\twith tabs", "Сырой 8-bit", "=?utf-8?q?friendly_=E2=9C=94?= (ok)",
            "=?iso-2022-jp?b?GyRCJEskWyQzJDMbKEI=?=", "a\x00nul", "x" * 300, "two  spaces", "trailing ", "",
            "tab\there", "vt\x0bhere", "fs\x1chere", "Folded ascii\n continued", "Folded\n  \n twice", "=?bad",
            "name: in the value", " leading space"]
RAW_LINES = ["no colon on this line", " a line continuing nothing", "From insider Tue Aug  3 14:05:00 2021",
             "N" * 250 + ": a long name", "Bad Name: space in the name", "X-Empty:", "X-Spaces:   ", ":no name"]
CONTENT_TYPES = ["text/plain; charset={cs}", "text/plain; charset=\"{cs}\"", "TEXT/PLAIN; CHARSET={cs}",
                 "text/html; charset={cs}", "text/plain", "text/plain; name=\"notes.txt\"; charset={cs}",
                 "application/pdf", "text/plain; charset*=utf-8''{cs}", "multipart/mixed; boundary=\"B\"",
                 "textplain", None]


def _read(data: bytes, tmp: Path, fast: bool) -> tuple[Extracted, dict[str, bytes]]:
    """`read_message` with every fast path (fast) or with none of them."""
    store = MemoryStore()
    ctx = ReadContext(limits=Limits(max_header_chars=200), store_chunks=store, originals_path=lambda sha: tmp,
                      scratch_dir=tmp)
    with pytest.MonkeyPatch.context() as patch:
        if not fast:
            patch.setattr(eml, "simple_message", lambda data: None)
            patch.setattr(eml, "_read_simple", lambda data, ctx, printable: None)
            patch.setattr(hdr, "_common_date", lambda value: None)
        ex = eml.read_message(data, ctx)
    ex.children = list(ex.children)
    return ex, store.stored


@st.composite
def letters(draw: st.DrawFn) -> bytes:
    """A letter with varied headers and one body (sometimes an attachment, broken MIME or odd line endings)."""
    charset = draw(st.sampled_from(CHARSETS))
    text = draw(st.sampled_from(TEXTS)) + draw(st.text(max_size=40))
    body = text.encode(charset if charset and charset not in ("bogus",) else "utf-8", "replace") \
        if charset != "iso-8859-8-i" else text.encode("iso8859_8", "replace")
    if draw(st.booleans()):
        body += draw(st.sampled_from([b"\xff\xfe", b"\xd0", b"\x1b$B", b"\x00", b"+AGEA-"]))
    cte = draw(st.sampled_from(CTES))
    if cte and cte.strip().lower() == "base64":
        body = base64.encodebytes(body)
    elif cte == "quoted-printable":
        body = quopri.encodestring(body)
    ctype = draw(st.sampled_from(CONTENT_TYPES))
    heads: list[tuple[str, str]] = [("From", draw(st.sampled_from(["Insider <insider@example.org>",
                                                                    "=?utf-8?b?0JjQstCw0L0=?= <i@example.org>"]))),
                                    ("To", "Desk <desk@example.org>"), ("Subject", draw(st.sampled_from(SUBJECTS))),
                                    ("Date", draw(st.sampled_from(DATES))), ("Message-ID", "<m1@example.org>")]
    for extra in draw(st.lists(st.sampled_from([
            ("Received", "from mx.example.org by desk.example.org; Tue, 03 Aug 2021 14:06:00 +0300"),
            ("Received", "from a by b with HTTPS; Thu, 05 Aug 2021 02:00:00 +0000"),
            ("Received", "from a by b; 3 Aug 2021 14:06:00 -0000"), ("X-Mailer", "Microsoft Outlook 16.0"),
            ("Message-ID", "<second@example.org>"), ("Date", "Wed, 04 Aug 2021 09:00:00 +0000"),
            ("Content-Disposition", "attachment; filename=\"a.txt\""), ("Cc", "=?koi8-r?b?8NLJ18XU?= <c@x>"),
            ("X-Leakdesk-Stored-Part", "0" * 64), ("Content-Transfer-Encoding", "base64")]), max_size=4)):
        heads.append(extra)
    if ctype is not None:
        heads.append(("Content-Type", ctype.format(cs=charset or "utf-8")))
    if cte is not None:
        heads.append(("Content-Transfer-Encoding", cte))
    heads = draw(st.permutations(heads))
    lines = [f"{name}: {value}" for name, value in heads]
    for raw in draw(st.lists(st.sampled_from(RAW_LINES), max_size=2)):  # odd lines, anywhere in the block
        lines.insert(draw(st.integers(0, len(lines))), raw)
    head = "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape")
    data = head + b"\n" + body
    odd = draw(st.sampled_from(["", "", "", "crlf", "blank", "armour", "boundary"]))
    if odd == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif odd == "blank":
        data = b"\n \n" + data
    elif odd == "armour":
        data += b"\n-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n"
    elif odd == "boundary":
        data += b"\n--B\nContent-Type: text/plain\n\nhidden part\n--B--\n"
    return data


@pytest.mark.pure_python  # switches the fast paths off by patching the module
@settings(max_examples=400, deadline=None)
@given(data=letters())
def test_every_letter_reads_the_same_with_and_without_the_fast_paths(data: bytes,
                                                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("fast")
    fast, fast_stored = _read(data, tmp, True)
    slow, slow_stored = _read(data, tmp, False)
    assert fast == slow, (data, fast, slow)
    assert fast.date == slow.date and (fast.date_utc is None) == (slow.date_utc is None)
    assert fast_stored == slow_stored


COMMON = [
    b"From: a@example.org\nTo: b@example.org\nSubject: Report\nDate: Tue, 03 Aug 2021 14:05:00 +0300\n"
    b"Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n" + RU_TEXT.encode("koi8-r"),
    b"From: a@example.org\nSubject: =?utf-8?q?caf=C3=A9?=\nContent-Type: text/html; charset=utf-8\n\n<p>Hello</p>\n",
    b"From: a@example.org\nSubject: no type at all\n\n" + EN_TEXT.encode(),
    b"From: a@example.org\nContent-Type: text/plain; charset=iso-2022-jp\nContent-Transfer-Encoding: 7bit\n\n"
    + "今日は".encode("iso2022_jp"),
]


@pytest.mark.pure_python  # switches the fast paths off by patching the module
@pytest.mark.parametrize("data", COMMON, ids=range(len(COMMON)))
def test_common_letters_take_the_fast_path(data: bytes, tmp_path: Path) -> None:
    ctx = ReadContext(limits=Limits(), store_chunks=MemoryStore(), originals_path=lambda sha: tmp_path,
                      scratch_dir=tmp_path)
    assert eml.read_simple(data, ctx) is not None
    assert _read(data, tmp_path, True) == _read(data, tmp_path, False)


def test_pgp_armour_is_left_to_the_general_path_when_the_case_has_keys(tmp_path: Path) -> None:
    data = COMMON[2] + b"-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n"
    with_keys = ReadContext(limits=Limits(), store_chunks=MemoryStore(), originals_path=lambda sha: tmp_path,
                            scratch_dir=tmp_path, gnupg_home=tmp_path / "gnupg")
    assert eml.read_simple(data, with_keys) is None


ZONES = st.integers(-23 * 60 - 59, 23 * 60 + 59)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(100, 1, 1), max_value=datetime(9999, 12, 31)), ZONES, st.booleans(),
       st.booleans())
def test_the_common_date_form_reads_as_the_stdlib_reads_it(when: datetime, minutes: int, day_name: bool,
                                                           negative_zero: bool) -> None:
    sign = "-" if minutes < 0 or (negative_zero and minutes == 0) else "+"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    value = (when.strftime("%a, ") if day_name else "") + f"{when.day} " + when.strftime("%b ") \
        + f"{when.year:04d} {when:%H:%M:%S} {zone}"
    ours = hdr.parse_datetime(value)
    theirs = email.utils.parsedate_to_datetime(value)
    assert ours == theirs and ours.utcoffset() == theirs.utcoffset() and ours.isoformat() == theirs.isoformat()


DATE_PIECES = ["Tue, ", "Tue,", "", "03 ", "3 ", "31 ", "00 ", "Aug ", "aug ", "Feb ", "2021 ", "21 ", "0021 ",
               "14:05:00 ", "14:05 ", "4:05:00 ", "24:00:00 ", "+0300", "-0000", "+0000", "+2400", "+0099", "MSK",
               " (MSK)", "  ", "x"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(DATE_PIECES), max_size=7).map("".join))
def test_any_date_reads_as_the_stdlib_reads_it_or_fails_alike(value: str) -> None:
    try:
        theirs: datetime | str = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        theirs = type(exc).__name__
    try:
        ours: datetime | str = hdr.parse_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        ours = type(exc).__name__
    assert ours == theirs
    if isinstance(ours, datetime) and isinstance(theirs, datetime):
        assert ours.utcoffset() == theirs.utcoffset() and ours.isoformat() == theirs.isoformat()


def test_a_zone_of_a_day_or_more_and_negative_zero_are_left_to_the_stdlib() -> None:
    assert hdr._common_date("Tue, 03 Aug 2021 14:05:00 +2400") is None
    assert hdr._common_date("Tue, 03 Aug 2021 14:05:00 -0000") is None
    assert hdr.parse_date("Tue, 03 Aug 2021 14:05:00 -0000")[2] == "the Date header has no time zone (-0000); " \
                                                                      "read as UTC"
    assert hdr.parse_datetime("Tue, 03 Aug 2021 14:05:00 +0300") == datetime(2021, 8, 3, 11, 5, tzinfo=UTC)
    assert hdr.parse_datetime("Tue, 03 Aug 2021 14:05:00 -0130").tzinfo == timezone(-timedelta(minutes=90))


PART_TYPES = ["text/plain; charset=KOI8-R", "text/plain; charset*=utf-8''koi8-r", "text/plain;charset=\"cp1251\"",
              "TEXT/HTML", "textplain", "text/plain; charset=\udcff", "image/png; name=a.png",
              "text/plain; format=flowed"]


@pytest.mark.parametrize("value", PART_TYPES)
def test_content_type_facts_are_the_parts_own(value: str) -> None:
    data = ("Content-Type: multipart/digest; boundary=B\n\n--B\nContent-Type: " + value + "\n\nx\n--B\n\ny\n--B--\n"
            ).encode("utf-8", "surrogateescape")
    msg = BytesParser(policy=compat32).parsebytes(data)
    for part in msg.walk():
        facts = eml._PartFacts.of(part)
        declared = part.get("content-type")
        has_charset = isinstance(declared, str) and "charset" in declared.lower()
        assert facts.ctype == part.get_content_type()
        assert facts.charset == (part.get_content_charset() if has_charset else None)


HEADER_NAMES = ["Subject", "From", "X-Mailer", "Received", "X-\udcd0\udc9f", "Bad\x00Name", "N" * 250, "Date"]
HEADER_VALUES = ["Report", "  spaced \t out  ", "Folded\n line\n\tagain", "=?utf-8?b?0J7RgtGH0ZHRgg==?= (copy)",
                 "=?koi8-r?q?=EF=D4=DE=A3=D4?=", "nul\x00inside", "raw \udcd0\udc9f\udcd1\udc80", "=? not a word",
                 "a=?b", "", "x" * 90, "Сырой"]


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.tuples(st.sampled_from(HEADER_NAMES), st.sampled_from(HEADER_VALUES)), max_size=8),
       hints=st.sampled_from([[], ["koi8-r"], ["windows-1251", "utf-8"]]), limit=st.sampled_from([80, 1000]))
def test_headers_read_as_the_general_per_header_path_reads_them(items: list[tuple[str, str]], hints: list[str],
                                                                 limit: int) -> None:
    """The ASCII shortcut in `_read_headers` keeps each header as printable_raw and decode_header would."""
    nowhere = Path("/nonexistent")
    ctx = ReadContext(Limits(max_header_chars=limit), MemoryStore(), lambda sha: nowhere / sha, nowhere)
    ex = Extracted(kind="email", media_type="message/rfc822")
    eml._read_headers(items, ctx, ex, hints)
    assert len(ex.headers) == len(items)
    for (name, value), (clean_name, raw, decoded) in zip(items, ex.headers, strict=True):
        assert clean_name == hdr.printable_raw(name)[:200]
        if len(value) <= limit:
            assert (raw, decoded) == (hdr.printable_raw(value), hdr.decode_header(value, hints))
    nul = sum("\x00" in n or "\x00" in v for n, v in items)
    assert sum("NUL bytes" in e for e in ex.errors) == nul


@settings(max_examples=300, deadline=None)
@given(sample=st.binary(max_size=64), codec=st.sampled_from(sorted(charsets.CYRILLIC_FAMILY)))
def test_the_case_flip_check_finds_what_a_regex_of_the_two_letter_classes_finds(sample: bytes, codec: str) -> None:
    """`_ByteTable.case_flip` (translate + find) answers as the search for a lower letter then an upper one did."""
    chars = [bytes([b]).decode(codec, errors="replace") for b in range(256)]
    lower = bytes(b for b in range(256) if charsets._ALPHA.match(chars[b]) and not charsets._UPPER.match(chars[b]))
    upper = bytes(b for b in range(256) if charsets._UPPER.match(chars[b]))
    pair = re.compile(b"[" + b"".join(re.escape(bytes([b])) for b in lower) + b"]["
                      + b"".join(re.escape(bytes([b])) for b in upper) + b"]")
    assert charsets._byte_table(codec).case_flip(sample) == (pair.search(sample) is not None)


HEADER_LINES = ["From: Insider <insider@example.org>", "To: desk@example.org", "Subject: Report",
                "Subject: two  spaces", "Subject: trailing ", "Subject: =?utf-8?q?caf=C3=A9?=", " continued",
                "X-Empty:", "N" * 250 + ": long name", "Date: Tue, 03 Aug 2021 14:05:00 +0300",
                "Received: from a\n by b; Tue, 3 Aug 2021 14:06:00 +0300"]
ODD_HEADER_LINES = ["\tcontinued by a tab", "no colon", "Bad Name: x", ":no name", "X-Tab:\tvalue", "X-Cr: a\rb",
                    "X-Nul: a\x00b", "X-Ctrl: a\x0bb", "X-Raw: \udcd0\udc9f", "X-Del: a\x7fb", ""]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(HEADER_LINES), max_size=10), st.lists(st.sampled_from(ODD_HEADER_LINES), max_size=1),
       st.integers(0, 10), st.sampled_from([40, 200, 64 * 1024]))
def test_printable_header_blocks_split_as_split_headers_splits_them(lines: list[str], odd: list[str], at: int,
                                                                    limit: int) -> None:
    """`_printable_headers` takes a block only when it is printable ASCII within the limit, and then gives
    split_headers' header list and body start; `canonical` only when decode_header would change no value."""
    lines[at:at] = odd
    data = ("\n".join(lines) + "\n\nbody\n").encode("utf-8", "surrogateescape")
    found = eml._printable_headers(data, limit)
    block = data[: data.find(b"\n\n")]
    printable = bool(block) and all(0x20 <= b < 0x7F or b == 0x0A for b in block) and len(block) <= limit
    assert (found is not None) == (printable and eml._simple_split(data) is not None)
    if found is not None:
        pairs, canonical, body_start = found
        assert (pairs, body_start) == eml._simple_split(data)
        assert canonical == all(hdr.decode_header(value) == value for _name, value in pairs)


FACT_NAMES = ["To", "to", "CC", "Cc", "Subject", "From", "Message-ID", "Date", "X-Mailer", "Received"]
FACT_VALUES = ["desk@example.org", "  two  spaces ", "", "Folded\n line", "<m1@example.org>",
               "Tue, 03 Aug 2021 14:05:00 +0300", "=?utf-8?q?caf=C3=A9?=", "not a date"]


def _reference_facts(headers: list[tuple[str, str, str | None]]) -> tuple[object, ...]:
    """What the dispatch row takes from a header list, written the plain way: the first of each name, whitespace
    collapsed, the decoded value unless there is none; every To and Cc in order."""
    def first(name: str, raw: bool = False) -> str | None:
        for n, r, d in headers:
            if n.lower() == name:
                value = r if raw or d is None else d
                return " ".join(value.split()) or None
        return None
    recipients = "; ".join(d for n, _r, d in headers if n.lower() in ("to", "cc") and d) or None
    return (first("message-id", raw=True), first("subject"), first("from"), recipients,
            hdr.parse_date(first("date", raw=True))[0])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FACT_NAMES), st.sampled_from(FACT_VALUES), st.booleans()), max_size=9))
def test_header_facts_are_the_first_of_each_name_and_every_recipient(rows: list[tuple[str, str, bool]]) -> None:
    """`_header_facts` (counts, first positions, decoded text taken as already collapsed) answers as the plain
    reading of the headers, with To and Cc any number of times and headers with no decoded form."""
    headers = [(name, value, hdr.decode_header(value) if decoded else None) for name, value, decoded in rows]
    ex = Extracted(kind="email", media_type="message/rfc822", headers=headers)
    eml._header_facts(ex, [name.lower() for name, _r, _d in headers])
    assert (ex.message_id, ex.subject, ex.sender, ex.recipients, ex.date) == _reference_facts(headers)


@given(st.lists(st.tuples(st.sampled_from(["Subject", "to", "N" * 250, "X-" + "y" * 199]), st.text(max_size=5)),
                max_size=5))
def test_header_columns_are_the_names_cut_to_200_characters_and_the_values(headers: list[tuple[str, str]]) -> None:
    names, values = eml._columns(headers)
    assert list(names) == [name[:200] for name, _value in headers]
    assert list(values) == [value for _name, value in headers]


RECEIVED_PIECES = ["from a by b", ";", "; ", " ;", "Tue, 03 Aug 2021 14:06:00 +0300", "3 Aug 2021 14:06:00 -0000",
                   "\n\t", "  ", "\u2028", "\x85", "id 42", "x;y", "not a date", "\t"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(RECEIVED_PIECES), max_size=6).map("".join), max_size=3))
def test_received_dates_are_what_the_pattern_after_the_last_semicolon_finds(received: list[str]) -> None:
    """`_received_times` (rpartition of the collapsed value) reads the dates the regex it replaced found."""
    pattern = re.compile(r";\s*([^;]+?)\s*$", re.S)
    expected = []
    for value in received:
        match = pattern.search(" ".join(value.split()))
        if match:
            try:
                expected.append(hdr.parse_datetime(match.group(1)))
            except (TypeError, ValueError):
                continue
    assert anomalies._received_times(received) == expected


@pytest.mark.parametrize("label", ["utf-8", " UTF8 ", '"koi8-r"', "x-unknown", "", None, "windows-1251", "CP866"])
def test_a_charset_label_normalises_the_same_from_the_cache(label: str | None) -> None:
    uncached = charsets.normalise.__wrapped__(label)
    assert charsets.normalise(label) == uncached
    assert charsets.normalise(label) == uncached
