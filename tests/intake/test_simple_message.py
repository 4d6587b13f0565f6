"""The email reader's fast parse of simple messages is the stdlib parser's answer (issue 9, ingest speed).

`eml.simple_message` builds the `Message` that `BytesParser(policy=compat32)` would for a message with nothing to
decide, and declines everything else; these tests hold it to the parser on varied, broken and hostile messages,
and hold `read_message` with it to `read_message` without it.
"""

from __future__ import annotations

import base64
import quopri
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.intake.readers import eml
from leakdesk.intake.reading import Limits, ReadContext
from leakdesk.intake.simple_parse import first_content_type, type_and_boundary
from tests.intake.conftest import EN_TEXT, RU_TEXT, MemoryStore, raw_message


def _parsed(data: bytes) -> Message:
    return BytesParser(policy=compat32).parsebytes(data)


def _same_parse(fast: Message, slow: Message) -> None:
    """The two trees are alike: every attribute of every part (headers, payload, preamble, epilogue, defects)."""
    mine, theirs = dict(vars(fast)), dict(vars(slow))
    assert [type(d) for d in mine.pop("defects")] == [type(d) for d in theirs.pop("defects")]
    mine.pop("policy"), theirs.pop("policy")
    mine_parts, their_parts = mine.pop("_payload"), theirs.pop("_payload")
    assert mine == theirs
    assert fast.policy is slow.policy
    assert isinstance(mine_parts, list) == isinstance(their_parts, list)
    if isinstance(mine_parts, list):
        assert len(mine_parts) == len(their_parts)
        for a, b in zip(mine_parts, their_parts, strict=True):
            _same_parse(a, b)
    else:
        assert mine_parts == their_parts


NAMES = ["From", "To", "Subject", "Date", "Message-ID", "Content-Type", "Content-Transfer-Encoding", "X-Odd_Name!",
         "content-type", "Received", "Тема", "From ", "", " Folded", "X-Mailer"]
VALUES = ["Insider <insider@example.org>", "=?utf-8?b?0J/RgNC40LLQtdGC?= (plain)", "text/plain; charset=koi8-r",
          "multipart/mixed; boundary=\"B\"", "message/rfc822", "text/html", "base64", "quoted-printable", "",
          "   ", "Привет \udcff", "a:b:c", "\tleading tab", "trailing   "]
LINE_ENDS = ["\n"] * 12 + ["\r\n", "\r"]


@st.composite
def header_blocks(draw: st.DrawFn, odd: bool = True) -> bytes:
    """Header lines, well-formed or (`odd`) also broken: bad names, CR endings, lines that continue nothing."""
    lines = []
    for i in range(draw(st.integers(0, 6))):
        name = draw(st.sampled_from(NAMES if odd else NAMES[:10] + NAMES[-1:]))
        value = draw(st.sampled_from(VALUES))
        forms = [f"{name}: {value}", f"{name}:{value}", f"{name}:"] + ([f" {value}", f"\t{value}"] if i else [])
        line = draw(st.sampled_from(forms + ([f" {value}", f"{name} {value}"] if odd else [])))
        lines.append(line + draw(st.sampled_from(LINE_ENDS if odd else ["\n"])))
    return "".join(lines).encode("utf-8", "surrogateescape")


@settings(max_examples=400, deadline=None)
@given(header_blocks(), st.sampled_from([b"\n", b"\r\n", b"", b"\n\n"]),
       st.binary(max_size=200) | st.sampled_from([b"", b"Body\n", b"--B\nx\n--B--\n", b"From x\n\n"]))
def test_the_fast_parse_is_the_parser_or_declines(head: bytes, blank: bytes, body: bytes) -> None:
    data = head + blank + body
    fast = eml.simple_message(data)
    if fast is not None:
        _same_parse(fast, _parsed(data))


@settings(max_examples=300, deadline=None)
@given(header_blocks(odd=False), st.binary(max_size=200))
def test_the_fast_parse_of_well_formed_headers_is_the_parser(head: bytes, body: bytes) -> None:
    data = head + b"\n" + body
    fast = eml.simple_message(data)
    if head and b"multipart/" not in head and b"message/" not in head:
        assert fast is not None
    if fast is not None:
        _same_parse(fast, _parsed(data))


PART_HEADS = ["Content-Type: text/plain; charset=koi8-r\n", "Content-Type: application/octet-stream\n"
              "Content-Disposition: attachment; filename=\"a.bin\"\nContent-Transfer-Encoding: base64\n",
              "Content-Type: multipart/alternative; boundary=\"C\"\n", "Content-Type: message/rfc822\n",
              "", "X-Odd_Name!: v\n folded\n", "From x\n", " continues nothing\n", "not a header\n"]
PART_BODIES = ["", "Body line\n", "Body\n\n", "no newline", "--B\n", "--Bx\n", " --B\n", "--B--junk\n",
               "--B \t\n", "--C\nx\n--C--\n", "Привет \udcff\n", base64.encodebytes(b"\x00\xff" * 40).decode()]
BOUNDARY_LINES = ["--B\n", "--B \n", "--B\t\n"]
CLOSINGS = ["--B--\n", "--B--", "--B-- \n", "", "--B--\n--B--\n", "--B--\r\n"]


@st.composite
def multiparts(draw: st.DrawFn, odd: bool = True) -> bytes:
    """A multipart message: preamble, parts, boundary lines, closing boundary, epilogue; well-formed, or (`odd`)
    with every kind of break the parser has to decide (no boundary, digest, stray boundary-like lines, ...)."""
    good = 0 if odd else 2  # the first entries of each list are the odd ones
    ctype = draw(st.sampled_from(['multipart/digest; boundary="B"', 'multipart/mixed; boundary=""', "multipart/mixed",
                                  'multipart/mixed; boundary="B"', "multipart/alternative; boundary=B"][good + 1:]))
    cte = draw(st.sampled_from(["Content-Transfer-Encoding: base64\n", "Content-Transfer-Encoding: 8bit \n", "",
                                "Content-Transfer-Encoding: 7bit\n"][good:]))
    text = f"From: a@b.c\nSubject: parts\nContent-Type: {ctype}\n{cte}\n"
    text += draw(st.sampled_from(["no newline ", "preamble\n\n", "", "preamble\n", "\n"][good:]))
    heads = PART_HEADS[:6] if odd else [PART_HEADS[0], PART_HEADS[1], PART_HEADS[5]]
    bodies = PART_BODIES if odd else [b for b in PART_BODIES if not b.startswith("--B")]
    for _ in range(draw(st.integers(0 if odd else 1, 4))):
        text += draw(st.sampled_from(BOUNDARY_LINES)) + draw(st.sampled_from(heads)) \
            + draw(st.sampled_from(["", "\n"][good // 2:])) + draw(st.sampled_from(bodies))
        if not text.endswith("\n"):
            text += draw(st.sampled_from(["", "\n"][good // 2:]))
    text += draw(st.sampled_from(CLOSINGS[3:] + CLOSINGS[:3] if odd else CLOSINGS[:3]))
    if odd or text.endswith("\n"):
        text += draw(st.sampled_from(["", "epilogue\n", "\n", "--B\nafter\n"]))
    return text.encode("utf-8", "surrogateescape")


@settings(max_examples=500, deadline=None)
@given(multiparts(odd=True) | multiparts(odd=False))
def test_the_fast_parse_of_a_multipart_is_the_parser_or_declines(data: bytes) -> None:
    fast = eml.simple_message(data)
    if fast is not None:
        _same_parse(fast, _parsed(data))


@settings(max_examples=300, deadline=None)
@given(multiparts(odd=False))
def test_the_fast_parse_of_a_well_formed_multipart_is_the_parser(data: bytes) -> None:
    fast = eml.simple_message(data)
    assert fast is not None and fast.is_multipart()
    _same_parse(fast, _parsed(data))


FLAT = [
    (b'Content-Type: multipart/mixed; boundary="B"\n\npreamble\n--B\nContent-Type: text/plain\n\nHello\n'
     b"--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAEC\n--B--\nepilogue\n"),
    b"Content-Type: multipart/alternative; boundary=B\n\n--B\n\nheaderless part\n--B \nX: y\n\n\n--B--",
    b'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\n--Bx is not a line\n--B--\n',
]


@pytest.mark.parametrize("data", FLAT, ids=range(len(FLAT)))
def test_flat_multiparts_take_the_fast_parse(data: bytes) -> None:
    fast = eml.simple_message(data)
    assert fast is not None and fast.is_multipart()
    _same_parse(fast, _parsed(data))


def _message(charset: str, body: str, **headers: str) -> bytes:
    return raw_message(body.encode(charset, "replace"), content_type=f"text/plain; charset={charset}",
                       headers=headers)


SIMPLE = [
    raw_message(),
    _message("koi8-r", RU_TEXT),
    _message("windows-1251", RU_TEXT, Subject="=?windows-1251?b?" + base64.b64encode("Отчёт".encode("cp1251")).decode()
             + "?= (copy)"),
    _message("cp866", RU_TEXT + "\n" + RU_TEXT),
    _message("utf-8", EN_TEXT, Subject="Folded\n subject line\n\twith a tab"),
    raw_message(base64.encodebytes(RU_TEXT.encode()), cte="base64"),
    raw_message(b"SGVsbG8gd29ybGQ*&^%$#@!!!!=\n", cte="base64"),  # broken base64: an error, read alike
    raw_message(quopri.encodestring(RU_TEXT.encode()), cte="quoted-printable"),
    raw_message(b"bad =ZZ quoted-printable\n", cte="quoted-printable"),
    raw_message(b"no charset declared \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n", content_type="text/plain"),
    raw_message(b"<p>Hello <b>desk</b></p>\n", content_type="text/html; charset=utf-8"),
    raw_message(b"%PDF-1.4 not really\n", content_type="application/pdf; name=\"scan.pdf\""),
    raw_message(b"-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n"),
    raw_message(headers={"From": "=?koi8-r?q?=F0=D2=C9=D7=C5=D4?= <a@b.c>", "X-Raw": "Сырой 8-bit"}),
    raw_message(headers={"Date": "not a date at all"}),
    raw_message(b"A body\x00 with a NUL\n"),
    raw_message(b""),
]
DECLINED = [
    raw_message().replace(b"\n", b"\r\n"),
    b"From someone Tue Aug  3 14:05:00 2021\n" + raw_message(),
    b" continued first line\n" + raw_message(),
    raw_message(content_type="multipart/mixed; boundary=\"B\""),  # no boundary line in the body
    raw_message(content_type="message/rfc822"),
    raw_message().replace(b"\n\n", b"\n"),  # no blank line after the headers
    b"Subject: x\nnot a header line\n\nbody\n",
    b":no name\n\nbody\n",
]


def _read(data: bytes, tmp: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[object, dict[str, bytes]]:
    store = MemoryStore()
    ctx = ReadContext(limits=Limits(), store_chunks=store, originals_path=lambda sha: tmp, scratch_dir=tmp)
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(eml, "simple_message", lambda data: None)
            patch.setattr(eml, "_read_simple", lambda data, ctx, printable: None)
        ex = eml.read_message(data, ctx)
    ex.children = list(ex.children)
    return ex, store.stored


@pytest.mark.pure_python  # switches the fast paths off by patching the module
@pytest.mark.parametrize("data", SIMPLE, ids=range(len(SIMPLE)))
def test_simple_messages_take_the_fast_parse_and_read_as_with_the_parser(
        data: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert eml.simple_message(data) is not None  # the fast parse is really taken for these
    _same_parse(eml.simple_message(data), _parsed(data))  # type: ignore[arg-type]
    assert _read(data, tmp_path, True, monkeypatch) == _read(data, tmp_path, False, monkeypatch)


@pytest.mark.parametrize("data", DECLINED, ids=range(len(DECLINED)))
def test_messages_with_something_to_decide_are_left_to_the_parser(data: bytes) -> None:
    assert eml.simple_message(data) is None


@pytest.mark.pure_python  # switches the fast paths off by patching the module
@settings(max_examples=150, deadline=None)
@given(charset=st.sampled_from(["utf-8", "koi8-r", "windows-1251", "cp866", "iso-8859-5", "latin-1", "bogus"]),
       body=st.text(max_size=300), subject=st.text(max_size=60),
       cte=st.sampled_from(["8bit", "base64", "quoted-printable", "7bit"]))
def test_any_single_part_letter_reads_the_same_with_the_fast_parse(
        charset: str, body: str, subject: str, cte: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    raw = body.encode(charset if charset != "bogus" else "utf-8", "replace")
    encoded = {"base64": base64.encodebytes(raw), "quoted-printable": quopri.encodestring(raw)}.get(cte, raw)
    subject_line = " ".join(subject.split()) or "x"
    data = raw_message(encoded, content_type=f"text/plain; charset={charset}", cte=cte,
                       headers={"Subject": subject_line.encode("utf-8").decode("latin-1")})
    tmp = tmp_path_factory.mktemp("fast")
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _read(data, tmp, True, monkeypatch) == _read(data, tmp, False, monkeypatch)


PART_HEADER_NAMES = ["Content-Type", "content-type", "CONTENT-DISPOSITION", "Content-Disposition", "X-Other"]
PART_HEADER_VALUES = ['multipart/mixed; boundary="B B"', "multipart/alternative; boundary=x;", "text/plain",
                      'text/plain; name="a.txt"', "application/octet-stream; name*=utf-8''%D0%90.bin",
                      'attachment; filename="report.pdf"', "inline", "attachment; filename*=koi8-r''%F0.txt",
                      'attachment; filename="  spaced  "', "ATTACHMENT", "multipart/digest; boundary=D",
                      "textplain", "", "attachment; filename=\"\udcd0\udc9f.txt\"", 'multipart/mixed; boundary=""',
                      "message/rfc822", "attachment; filename*0=a; filename*1=b.txt"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PART_HEADER_NAMES), st.sampled_from(PART_HEADER_VALUES)), max_size=4))
def test_cached_part_facts_are_what_the_part_itself_answers(headers: list[tuple[str, str]]) -> None:
    """Type, boundary, file name and disposition worked out from the first Content-Type and Content-Disposition
    values (once per value) are what the stdlib answers for the whole part, duplicates and other headers in it."""
    part = Message(policy=compat32)
    part._headers = list(headers)  # type: ignore[attr-defined]
    first = {name.lower(): value for name, value in reversed(headers)}
    assert type_and_boundary(first_content_type(headers)) == (part.get_content_type(), part.get_boundary())
    assert eml.declared_filename(first.get("content-disposition"), first.get("content-type")) == part.get_filename()
    if "content-disposition" in first:
        assert eml.disposition_of(first["content-disposition"]) == part.get_content_disposition()
