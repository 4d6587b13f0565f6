"""Single email messages (.eml, message/rfc822 parts, messages of an mbox or Maildir, IMAP fetches).

Parsed with the stdlib in `compat32` mode, which gives the raw header text as received. Every header is kept raw and
decoded; text/plain and text/html bodies become texts; every other part is a child that goes back through the
registry. Problems (broken MIME, bad base64, NUL bytes, over-long headers, too deep nesting) are recorded as errors
of the dispatch while everything readable is still kept.
"""

from __future__ import annotations

import binascii
import quopri
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from functools import lru_cache
from typing import Any

from leakdesk.intake import anomalies
from leakdesk.intake import headers as hdr
from leakdesk.intake.charsets import decode_text
from leakdesk.intake.names import safe_name
from leakdesk.intake.readers.html import EXTRACTOR as HTML_EXTRACTOR
from leakdesk.intake.readers.html import VERSION as HTML_VERSION
from leakdesk.intake.readers.html import html_to_text
from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source, TextPart
from leakdesk.intake.simple_parse import simple_message, split_headers
from leakdesk.store.originals import Digests

EXTRACTOR = "email"
VERSION = f"py{sys.version_info.major}.{sys.version_info.minor}"
STORED = "X-Leakdesk-Stored-Part"  # set by the large-message splitter on parts already in the originals store
_STORED_KEY = STORED.lower()
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,80}:", re.M)
_KNOWN = re.compile(
    rb"^(from|to|subject|date|received|return-path|message-id|mime-version|delivered-to|x-[a-z-]+|cc|"
    rb"content-type|reply-to|in-reply-to|references|dkim-signature|authentication-results|sender):", re.I | re.M
)
_BAD_QP = re.compile(r"=(?![0-9A-Fa-f]{2}|\r?\n|\Z)")
SERIOUS = {  # the parts cannot be told apart: content is not read as it was sent
    "NoBoundaryInMultipartDefect": "a multipart part declares no boundary, so its parts cannot be separated",
    "StartBoundaryNotFoundDefect": "the MIME boundary declared in the headers never appears in the body",
    "MultipartInvariantViolationDefect": "a part declared as multipart is not",
}
TOLERATED = {  # readable all the same: a warning
    "CloseBoundaryNotFoundDefect": "the closing MIME boundary is missing (the message may be cut short)",
    "MissingHeaderBodySeparatorDefect": "a line in the header block is not a header (malformed headers)",
    "MisplacedEnvelopeHeaderDefect": "an mbox 'From ' line appears inside the headers",
}
SMIME_TYPES = ("application/pkcs7-mime", "application/x-pkcs7-mime")
SMIME_SIGNATURES = ("application/pkcs7-signature", "application/x-pkcs7-signature")
MAX_OPAQUE_SIGNED = 64 * 1024**2  # an opaque S/MIME signature's content is taken out in memory
PLACEHOLDER_SUBJECTS = {"...", "subject unavailable", "encrypted message", "encrypted subject", "[...]", "(no subject)"}
_LEADING_BLANK = re.compile(rb"\A(?:[ \t]*\r?\n)+")
_ASCII_SPACE = frozenset(b" \t\n\r\x0b\x0c")  # what bytes.strip() takes off
_FILENAME = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)""", re.I)
MESSAGE_TYPES = ("message/rfc822", "message/global")
BASE64_DEFECTS = {"InvalidBase64PaddingDefect", "InvalidBase64CharactersDefect", "InvalidBase64LengthDefect"}


def _simple_split(data: bytes) -> tuple[list[tuple[str, str]], int] | None:
    """`split_headers` of a whole message's bytes (decoded as the parser decodes them). Only the header block is
    decoded: split_headers looks no further than the first blank line, and that decoding maps byte i to char i."""
    cut = data.find(b"\n\n")
    return split_headers(data[: cut + 2].decode("ascii", "surrogateescape")) if cut > 0 else None


_PRINTABLE_OR_LF = bytes(range(0x20, 0x7F)) + b"\n"


def _printable_headers(data: bytes, limit: int) -> tuple[list[tuple[str, str]], bool, int] | None:
    """(the header list split_headers gives, whether every value already is what decode_header makes of it (no
    encoded word, no run of spaces, no folding), where the body starts) for a header block of printable ASCII
    lines (no CR, NUL, tab or other control byte) no longer than `limit` in all, each a header line or a
    continuation of one; None for any other block (the general path reads it)."""
    cut = data.find(b"\n\n")
    if cut <= 0 or cut > limit:
        return None
    block = data[:cut]
    if block.translate(None, _PRINTABLE_OR_LF):
        return None
    split = split_headers(data[: cut + 2].decode("ascii"))  # None unless each line is a header or continues one
    if split is None:
        return None
    pairs, body_start = split
    continued = b"\n " in block  # the only continuation lines (no tab): each ends up inside one value
    canonical = (not continued and b"  " not in block and b" \n" not in block and not block.endswith(b" ")
                 and b"=?" not in block)
    return pairs, canonical, body_start


@lru_cache(maxsize=1024)
def content_type_facts(value: str) -> tuple[str, str | None]:
    """(`get_content_type()`, the charset the reader uses) of a part whose first Content-Type header is `value`,
    computed by the stdlib itself once per distinct value (a mailbox repeats a handful of them)."""
    part = Message(policy=compat32)
    part._headers = [("Content-Type", value)]  # type: ignore[attr-defined]
    # get_content_charset() finds nothing unless the Content-Type header holds the word "charset"
    return part.get_content_type(), part.get_content_charset() if "charset" in value.lower() else None


@lru_cache(maxsize=1024)
def declared_filename(disposition: str | None, content_type: str | None) -> str | None:
    """`get_filename()` of a part whose first Content-Disposition and Content-Type headers are these (None: no such
    header), computed by the stdlib itself once per distinct pair (it reads nothing else)."""
    part = Message(policy=compat32)
    part._headers = [(name, value) for name, value in (("Content-Disposition", disposition),  # type: ignore[attr-defined]
                                                       ("Content-Type", content_type)) if value is not None]
    return part.get_filename()


@lru_cache(maxsize=1024)
def disposition_of(value: str) -> str | None:
    """`get_content_disposition()` of a part whose first Content-Disposition header is `value`, by the stdlib."""
    part = Message(policy=compat32)
    part._headers = [("Content-Disposition", value)]  # type: ignore[attr-defined]
    return part.get_content_disposition()


_TEXT_BODIES = ("text/plain", "text/html")


PrintableHeaders = tuple[list[tuple[str, str]], bool, int]  # what _printable_headers finds


def read_simple(data: bytes, ctx: ReadContext) -> Extracted | None:
    """`read_message`'s answer for the common letter, without building a `Message`: simple headers (as
    `simple_message` takes them), one text/plain or text/html body in a plain transfer encoding (7bit, 8bit,
    binary), no attachment, file name, stored part or PGP armour. None for anything else (read_message decides).
    tests/intake/test_simple_message.py holds it to the general path on varied and broken messages."""
    return _read_simple(data, ctx, _printable_headers(data, ctx.limits.max_header_chars))


def _read_simple(data: bytes, ctx: ReadContext, printable: PrintableHeaders | None) -> Extracted | None:
    """`read_simple`, with `_printable_headers(data, ...)` already worked out."""
    if printable is not None:
        headers, canonical, body_start = printable
        names, values = _columns(headers)
        lowered = _lowered(names)
    else:
        split = _simple_split(data)
        if split is None:
            return None
        headers, body_start = split
        canonical, lowered = False, [name.lower() for name, _value in headers]
    first = _first_index(lowered)
    declared = headers[first["content-type"]][1] if "content-type" in first else None
    if declared is None:
        ctype, charset = "text/plain", None
    elif declared.isascii() and not _declares_name(declared):
        ctype, charset = content_type_facts(declared)
    else:
        return None  # a file name may be declared (or raw 8-bit bytes in the header): the general path
    cte = headers[first["content-transfer-encoding"]][1] if "content-transfer-encoding" in first else ""
    if (ctype not in _TEXT_BODIES or "content-disposition" in first or _STORED_KEY in first or not cte.isascii()
            or cte.strip().lower() not in _PLAIN_ENCODINGS
            or (ctx.gnupg_home is not None and b"-----BEGIN PGP " in data)):
        return None
    ex = Extracted(kind="email", media_type="message/rfc822")
    hints = [charset] if charset else []
    if printable is None:
        _read_headers(headers, ctx, ex, hints)
    else:
        _printable_rows(ex, names, values, canonical, hints)
        _header_facts(ex, lowered, first)
    _add_body(ex, ctx, data[body_start:], charset, "1", ctype, "body")
    ex.children = []
    return ex


def _lowered(names: tuple[str, ...]) -> list[str]:
    """The names lower-cased (a name holds no newline, so one lower() of them all lower-cases each)."""
    return "\n".join(names).lower().split("\n") if names else []


def _printable_rows(ex: Extracted, names: tuple[str, ...], values: tuple[str, ...], canonical: bool,
                    hints: list[str]) -> None:
    """`ex.headers` for a header block of printable ASCII within the length limit (see _printable_headers):
    what _read_headers keeps for it (nothing to escape, report or truncate), without a call per header."""
    if canonical:
        ex.headers = list(zip(names, values, values, strict=True))
    else:
        ex.headers = [(name, value, hdr.decode_header(value, hints) if "=?" in value else " ".join(value.split()))
                      for name, value in zip(names, values, strict=True)]


def _columns(headers: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the names, cut to 200 characters as _read_headers cuts them, the values) of a header list."""
    if not headers:
        return (), ()
    names, values = zip(*headers, strict=True)
    if max(map(len, names)) > 200:
        names = tuple(name[:200] for name in names)
    return names, values


@lru_cache(maxsize=1024)
def _declares_name(content_type: str) -> bool:
    """Whether a Content-Type value may declare a file name (read_simple leaves such a part to the general path)."""
    return "name" in content_type.lower()


def _first_index(lowered: list[str]) -> dict[str, int]:
    """Where the first header of each (lower-cased) name stands."""
    return dict(zip(reversed(lowered), range(len(lowered) - 1, -1, -1), strict=True))


def looks_like_email(head: bytes) -> bool:
    first = _LEADING_BLANK.sub(b"", head[:8192])[:200]
    if not _HEADER_LINE.match(first):
        return False
    block = _LEADING_BLANK.sub(b"", head[:8192]).split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    return len(_KNOWN.findall(block, 0, 4096)) >= 2


class EmlReader(Reader):
    name = "eml"
    version = "1"
    media_types = ("message/rfc822", "message/global")
    extensions = ("eml", "emlx")
    channel = "eml"

    def sniff(self, source: Source, head: bytes) -> int:
        return 9 if looks_like_email(head) else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        stored: dict[str, Digests] = {}
        if source.path is not None and source.size > ctx.limits.large_message:
            from leakdesk.intake.mime_stream import split_large_message

            data, stored = split_large_message(source.path, ctx)
        else:
            data = source.read_bytes()
        return read_message(data, ctx, stored)


def read_message(data: bytes, ctx: ReadContext, stored: dict[str, Digests] | None = None) -> Extracted:
    """Everything leakdesk keeps from one message's bytes."""
    if not data or (data[0] in _ASCII_SPACE and not data.strip()):  # (strip copies: only when it may be blank)
        return Extracted(kind="email", media_type="message/rfc822", errors=["the message is empty"])
    said: list[str] = []  # warnings before the message is read
    blank = _LEADING_BLANK.match(data)
    if blank and looks_like_email(data[:8192]):
        data = data[blank.end():]  # only for reading: the original keeps every byte
        said.append("the message starts with a blank line; it was read from the first header line")
    printable = _printable_headers(data, ctx.limits.max_header_chars)
    if not stored and (simple := _read_simple(data, ctx, printable)) is not None:
        simple.warnings[:0] = said
        return simple
    ex = Extracted(kind="email", media_type="message/rfc822", warnings=said)
    try:
        flat = simple_message(data)  # its headers are split_headers', as _printable_headers' are
        msg = flat or BytesParser(policy=compat32).parsebytes(data)
    except RecursionError:
        ex.errors.append("the message is nested too deeply to be parsed; it is kept as an original but not read")
        return ex
    walker = _Walker(ctx, ex, stored or {}, data)
    walker.hints = [c for c in dict.fromkeys(walker.facts(part).charset for part in msg.walk()) if c]
    hints = walker.hints
    if printable is not None and flat is not None:
        names, values = _columns(printable[0])
        _printable_rows(ex, names, values, printable[1], hints)
        _header_facts(ex, _lowered(names))
    else:
        _read_headers(msg.raw_items(), ctx, ex, hints)
    if not msg.keys():
        ex.errors.append("does not look like an email: no header lines were found")
    walker.walk(msg, "", "body")
    _smime(msg, ex, walker.facts(msg).ctype)
    if ex.details.get("smime") == "signed" and walker.facts(msg).ctype in SMIME_TYPES:
        _opaque_signed_content(msg, ex, walker)
    _pgp(msg, data, ctx, ex, walker)
    ex.children = walker.children
    defects = walker.defects
    if defects:
        ex.details["defects"] = sorted(set(defects))
        broken = [SERIOUS[name] for name in dict.fromkeys(defects) if name in SERIOUS]
        if broken:
            ex.errors.append("broken MIME structure: " + "; ".join(broken))
        tolerated = [TOLERATED[name] for name in dict.fromkeys(defects) if name in TOLERATED]
        if tolerated:
            ex.warnings.append("MIME defects tolerated: " + "; ".join(tolerated))
    return ex


def _smime(msg: Message, ex: Extracted, ctype: str) -> None:
    """S/MIME is recognised and said so; signatures are checked later against the desk's CA file (intake/smime.py),
    encrypted S/MIME cannot be decrypted."""
    kind = None
    if ctype in SMIME_TYPES:
        param = msg.get_param("smime-type")
        smime_type = param.lower() if isinstance(param, str) else ""
        kind = "signed" if smime_type in ("signed-data", "certs-only") else "encrypted"
    elif ctype == "multipart/signed" and str(msg.get_param("protocol") or "").lower() in SMIME_SIGNATURES:
        kind = "signed"
    if kind is None:
        return
    ex.details["smime"] = kind
    ex.pgp_status = ex.pgp_status or f"smime-{kind}"
    if kind == "encrypted":
        ex.warnings.append("the message is S/MIME-encrypted; leakdesk cannot decrypt S/MIME, so its content was not "
                           "read (the original is kept)")
    else:
        ex.warnings.append("S/MIME signature present; not verified yet (`leakdesk dispatch smime CASE --ca FILE` "
                           "checks it against the desk's CA certificates)")


def _opaque_signed_content(msg: Message, ex: Extracted, walker: _Walker) -> None:
    """An opaque S/MIME signature (application/pkcs7-mime signed-data) wraps the letter itself: OpenSSL takes the
    content out, unchecked, and it is read as the body (intake/smime.py checks the signature)."""
    payload = msg.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        return
    if len(payload) > MAX_OPAQUE_SIGNED:
        ex.warnings.append(f"the letter inside the opaque S/MIME signature is larger than {MAX_OPAQUE_SIGNED:,} "
                           "bytes; it is kept in the original but was not read")
        return
    openssl = shutil.which("openssl")
    if openssl is None:
        ex.warnings.append("the letter is inside an opaque S/MIME signature and OpenSSL is not installed "
                           "(Debian package openssl), so its content was not read")
        return
    try:
        done = subprocess.run([openssl, "cms", "-verify", "-noverify", "-nosigs", "-inform", "DER",
                               "-out", "/dev/stdout"], input=payload, capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        done = None
    if done is None or done.returncode != 0 or not done.stdout:
        ex.warnings.append("the letter inside the opaque S/MIME signature could not be taken out (the signature "
                           "data is damaged); it is kept in the original")
        return
    walker.walk(BytesParser(policy=compat32).parsebytes(done.stdout), "s", "body")
    ex.details["smime_content"] = "read from inside the opaque S/MIME signature"


def _read_headers(items: Iterable[tuple[str, str]], ctx: ReadContext, ex: Extracted, hints: list[str]) -> None:
    """Every header kept raw and decoded, and what the dispatch row needs from them, in one pass."""
    limit = ctx.limits.max_header_chars
    lowered: list[str] = []
    for name, value in items:
        if (len(value) <= limit and name.isascii() and value.isascii() and "\x00" not in value
                and "\x00" not in name):  # most headers: nothing to escape, report or truncate
            clean_name = name[:200]  # what printable_raw(name)[:200] gives for such a name
            ex.headers.append((clean_name, value, hdr.decode_header(value, hints)))
            lowered.append(clean_name.lower())
            continue
        raw = hdr.printable_raw(value)
        clean_name = hdr.printable_raw(name)[:200]
        if "\x00" in value or "\x00" in name:
            ex.errors.append(f"the {clean_name} header contains NUL bytes (shown as \\x00)")
        if len(value) > limit:
            ex.errors.append(
                f"the {clean_name} header line is {len(value):,} characters long (limit {limit:,}); "
                "it is kept in full in the original, truncated in the header table"
            )
            raw = raw[:limit] + f" [… truncated; {len(value):,} characters in the original]"
            decoded = None
        else:
            decoded = hdr.decode_header(value, hints)
        ex.headers.append((clean_name, raw, decoded))
        lowered.append(clean_name.lower())
    _header_facts(ex, lowered)


def _header_facts(ex: Extracted, lowered: list[str], first: dict[str, int] | None = None) -> None:
    """What the dispatch row needs from `ex.headers` (`lowered`: their names lower-cased; `first`: where each name's
    first header stands, if already known): Message-ID, Subject, From, recipients, date, header anomalies."""
    if first is None:
        first = _first_index(lowered)
    headers = ex.headers
    ex.message_id = _first_raw(headers, first.get("message-id"))
    ex.subject = _first_decoded(headers, first.get("subject"))
    ex.sender = _first_decoded(headers, first.get("from"))
    to, cc = lowered.count("to"), lowered.count("cc")
    if to + cc <= 1:  # the usual letter: one To (or one Cc), or neither
        at = first.get("to") if to else first.get("cc")
        ex.recipients = (headers[at][2] or None) if at is not None else None
    else:
        at_each = sorted((first["to"], first["cc"])) if to == cc == 1 else \
            [i for i, name in enumerate(lowered) if name in ("to", "cc")]
        ex.recipients = "; ".join(d for d in (headers[i][2] for i in at_each) if d) or None
    ex.date, ex.date_utc, problem = hdr.parse_date(_first_raw(headers, first.get("date")))
    if problem:
        ex.details["date_problem"] = problem
    warnings = anomalies.header_warnings(headers, ex.date_utc, lowered)
    if warnings:
        ex.details["header_warnings"] = warnings


def _first_raw(headers: list[tuple[str, str, str | None]], at: int | None) -> str | None:
    """The raw value of the header at `at` (if any), whitespace collapsed."""
    return " ".join(headers[at][1].split()) or None if at is not None else None


def _first_decoded(headers: list[tuple[str, str, str | None]], at: int | None) -> str | None:
    """The header at `at` (if any) decoded, whitespace collapsed (decode_header's text already is), or its raw value
    collapsed when it has no decoded form (a truncated over-long header)."""
    if at is None:
        return None
    _n, raw, decoded = headers[at]
    if decoded is not None:
        return decoded or None
    return " ".join(raw.split()) or None


@dataclass
class _PartFacts:
    """What the walker asks of one MIME part, worked out once (the stdlib re-scans the headers on every call)."""

    ctype: str
    charset: str | None
    headers: dict[str, str]  # lower-cased name -> the first such header's raw value

    @classmethod
    def of(cls, part: Message) -> _PartFacts:
        headers: dict[str, str] = {}
        for name, value in part.raw_items():
            headers.setdefault(name.lower(), value)
        declared = headers.get("content-type")
        if isinstance(declared, str):
            return cls(*content_type_facts(declared), headers)
        return cls(part.get_content_type(), None, headers)  # no Content-Type: the part's default type

    def header(self, name: str) -> str:
        value = self.headers.get(name, "")
        return value if isinstance(value, str) else str(value)


class _Walker:
    """Walks the MIME tree: bodies become texts, everything else a stored child."""

    def __init__(self, ctx: ReadContext, ex: Extracted, stored: dict[str, Digests], data: bytes = b"",
                 hints: list[str] | None = None) -> None:
        self.ctx = ctx
        self.ex = ex
        self.stored = stored
        self.data = data
        self.hints = hints or []
        self._bodies: dict[str, bytes] | None = None
        self._facts: dict[int, _PartFacts] = {}
        self.children: list[Child] = []
        self.defects: list[str] = []
        self.skipped = 0

    def facts(self, part: Message) -> _PartFacts:
        found = self._facts.get(id(part))
        if found is None:
            found = self._facts[id(part)] = _PartFacts.of(part)
        return found

    def walk(self, part: Message, path: str, role: str) -> None:
        self.defects.extend(type(d).__name__ for d in part.defects)
        facts = self.facts(part)
        ctype = facts.ctype
        if ctype in MESSAGE_TYPES:
            self._attachment(part, path or "1", ctype, self._filename(part))
            return
        if part.is_multipart():
            payload = part.get_payload()
            for i, sub in enumerate(payload if isinstance(payload, list) else [], 1):
                self.walk(sub, f"{path}.{i}" if path else str(i), role)
            return
        where = path or "1"
        filename = self._filename(part)
        disposition = disposition_of(facts.headers["content-disposition"]) if "content-disposition" in facts.headers \
            else None
        attached = disposition == "attachment" or filename is not None
        if ctype in ("text/plain", "text/html") and not attached and STORED.lower() not in facts.headers:
            self._body(part, where, ctype, role)
        else:
            self._attachment(part, where, ctype, filename)

    def _filename(self, part: Message) -> str | None:
        """The declared file name; raw 8-bit bytes (no RFC 2231) are decoded like a header, never lost."""
        facts = self.facts(part)
        for header in ("content-disposition", "content-type"):
            value = facts.headers.get(header)
            if isinstance(value, str) and not value.isascii():
                match = _FILENAME.search(value)
                if match:
                    raw = match.group(1).strip()
                    raw = raw[1:-1].replace('\\"', '"') if raw.startswith('"') and raw.endswith('"') else raw
                    return hdr.decode_header(raw, [c for c in (facts.charset, *self.hints) if c])
        if "content-disposition" not in facts.headers and "name" not in facts.header("content-type").lower():
            return None  # get_filename() looks for a filename= or name= parameter: there is none
        filename = declared_filename(facts.headers.get("content-disposition"), facts.headers.get("content-type"))
        return hdr.decode_header(filename, self.hints) if filename is not None else None

    def raw_body(self, where: str) -> bytes | None:
        """The exact bytes of a part's body inside this message (computed once, only when needed)."""
        if self._bodies is None:
            from leakdesk.intake.mime_stream import part_bodies

            try:
                self._bodies = part_bodies(self.data) if self.data else {}
            except Exception:  # a structure the splitter cannot follow: fall back to re-serialising
                self._bodies = {}
        return self._bodies.get(where)

    def _payload(self, part: Message, what: str) -> bytes:
        data = part.get_payload(decode=True)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        elif not isinstance(data, bytes):
            data = b""
        found = {type(d).__name__ for d in part.defects} & BASE64_DEFECTS
        if found:
            self.defects.extend(sorted(found))
            self.ex.errors.append(f"invalid base64 in {what}; the bytes that could be decoded were kept")
        if self.facts(part).header("content-transfer-encoding").strip().lower() == "quoted-printable":
            raw = part.get_payload(decode=False)
            if isinstance(raw, str) and _BAD_QP.search(raw):
                self.ex.warnings.append(f"invalid quoted-printable in {what}; the text was decoded as far as "
                                        "possible")
        return data or b""

    def _body(self, part: Message, where: str, ctype: str, role: str) -> None:
        what = f"the {'HTML ' if ctype == 'text/html' else ''}body (part {where})"
        _add_body(self.ex, self.ctx, self._payload(part, what), self.facts(part).charset, where, ctype, role)

    def _attachment(self, part: Message, where: str, ctype: str, filename: str | None) -> None:
        limits = self.ctx.limits
        if len(self.children) >= limits.max_children:
            if not self.skipped:
                self.ex.errors.append(f"more than {limits.max_children} attachments; the rest were not extracted")
            self.skipped += 1
            return
        name, problem = safe_name(filename)
        what = f"attachment '{name}' (part {where})" if name else f"part {where} ({ctype})"
        details: dict[str, Any] = {"content_type": ctype}
        if filename is not None and name != filename:
            details["declared_filename"] = filename
        if (sha := self.facts(part).header(STORED.lower())) and sha.strip() in self.stored:
            digests = self.stored[sha.strip()]
            details["streamed"] = True
        else:
            if ctype in MESSAGE_TYPES:
                digests = self.ctx.store_bytes(self._message_bytes(part, where, details))
            elif part.is_multipart():  # a multipart where a leaf was expected (get_payload() would also decode
                # the text with an RFC 2231 charset, which the stdlib cannot do: a TypeError)
                digests = self.ctx.store_bytes(_inner_bytes(part))
            else:
                digests = self.ctx.store_bytes(self._payload(part, what))
        kind = "email" if ctype in MESSAGE_TYPES else "attachment"
        self.children.append(Child(digests, where, filename=name, media_type=ctype, kind=kind,
                                   details=details, error=problem))


    def _message_bytes(self, part: Message, where: str, details: dict[str, Any]) -> bytes:
        """An attached message's exact bytes inside the parent, transfer encoding (base64, QP) undone."""
        cte = self.facts(part).header("content-transfer-encoding").strip().lower()
        raw = self.raw_body(where)
        if raw is None:
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if cte in ("base64", "quoted-printable") and isinstance(inner, Message):
                raw = str(inner.get_payload()).encode("ascii", "surrogateescape")  # the encoded text, parsed as body
            else:
                details["stored_as"] = "re-serialised by the parser (its exact bytes could not be located)"
                return _inner_bytes(part)
        if cte == "base64":
            details["transfer_encoding"] = "base64"
            return _base64(raw)
        if cte == "quoted-printable":
            details["transfer_encoding"] = "quoted-printable"
            return quopri.decodestring(raw)
        return raw


def _add_body(ex: Extracted, ctx: ReadContext, data: bytes, charset: str | None, where: str, ctype: str,
              role: str) -> None:
    """A text/plain or text/html body (its transfer encoding undone) as a text of the dispatch."""
    decoded = decode_text(data, charset)
    if decoded.rejected or decoded.replaced:
        what = f"the {'HTML ' if ctype == 'text/html' else ''}body (part {where})"
        ex.warnings.append(f"charset repaired in {what}: {decoded.reason}" if decoded.rejected
                           else f"a few bad bytes in {what}: {decoded.reason}")
    limit = ctx.limits.max_text_chars
    if ctype == "text/html":
        text = html_to_text(decoded.text[:limit])
        tp = TextPart("html-body" if role == "body" else role, text, HTML_EXTRACTOR, HTML_VERSION,
                      decoded.charset, decoded.reason)
    else:
        tp = TextPart(role, decoded.text[:limit], EXTRACTOR, VERSION, decoded.charset, decoded.reason)
    ex.texts.append(tp)


def _base64(raw: bytes) -> bytes:
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", raw.split(b"=", 1)[0])
    data = data[: len(data) - 1] if len(data) % 4 == 1 else data
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4)) if data else b""


def _protected_headers(inner: Message, ex: Extracted, hints: list[str]) -> None:
    """Headers protected inside the encrypted part (the `protected-headers` convention) replace the outer
    placeholders ("Subject Unavailable", "..."); the outer values are kept in the details."""
    marked = inner.get_param("protected-headers") is not None
    outer_subject = (ex.subject or "").strip()
    if not marked and outer_subject.lower() not in PLACEHOLDER_SUBJECTS:
        return
    applied: dict[str, Any] = {}
    for name, attr in (("subject", "subject"), ("from", "sender"), ("to", "recipients")):
        value = inner.get(name)
        if not isinstance(value, str):
            continue
        decoded = hdr.decode_header(value, hints)
        if decoded and decoded != getattr(ex, attr):
            applied[name] = {"outer": getattr(ex, attr), "protected": decoded}
            setattr(ex, attr, decoded)
    date = inner.get("date")
    if isinstance(date, str):
        local, utc, _problem = hdr.parse_date(date)
        if local and local != ex.date:
            applied["date"] = {"outer": ex.date, "protected": local}
            ex.date, ex.date_utc = local, utc
    if applied:
        ex.details["protected_headers"] = applied


def _inner_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        return b""
    try:
        return inner.as_bytes(policy=compat32)
    except RecursionError:
        return str(inner.get_payload()).encode("utf-8", "surrogateescape")


_PLAIN_ENCODINGS = {"", "7bit", "8bit", "binary"}


def _may_use_pgp(msg: Message, raw: bytes, walker: _Walker) -> bool:
    """False only when the PGP step would find nothing: no multipart/encrypted or multipart/signed part, and no
    armour in the raw bytes or in a transfer-encoded text part. Most letters are plain; this spares them the walk
    the PGP module makes."""
    if b"-----BEGIN PGP " in raw:
        return True
    for part in msg.walk():
        facts = walker.facts(part)
        if facts.ctype in ("multipart/encrypted", "multipart/signed"):
            return True
        if facts.ctype == "text/plain" and facts.header("content-transfer-encoding").strip().lower() \
                not in _PLAIN_ENCODINGS:
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and b"-----BEGIN PGP " in data:
                return True
    return False


def _pgp(msg: Message, raw: bytes, ctx: ReadContext, ex: Extracted, walker: _Walker) -> None:
    """Hand the message to the PGP module (a colleague's; absent means "not PGP") and ingest its plaintext."""
    if ctx.gnupg_home is None or not _may_use_pgp(msg, raw, walker):
        return
    try:
        from leakdesk.intake.pgp import process_pgp  # type: ignore[import-not-found]
    except ImportError:
        return
    try:
        result = process_pgp(ctx.gnupg_home, msg, raw)
    except Exception as exc:  # a failure of the PGP step must not lose the message
        ex.pgp_status = "error"
        ex.pgp_details = {"reason": f"{type(exc).__name__}: {exc}"}
        return
    if result is None:
        return
    ex.pgp_status = getattr(result, "dispatch_status", None) or result.status  # e.g. signed-good
    details = getattr(result, "details", None)
    ex.pgp_details = details() if callable(details) else {
        "key_id": result.key_id, "signature": result.signature, "reason": result.reason,
    }
    if result.plaintext is None:
        return
    plain = result.plaintext
    is_mime = getattr(result, "plaintext_is_mime", None)
    if is_mime is None:
        is_mime = looks_like_email(plain) or plain.lstrip().lower().startswith(b"content-type:")
    if is_mime:
        inner = BytesParser(policy=compat32).parsebytes(plain)
        _protected_headers(inner, ex, walker.hints)
        walker.walk(inner, "d", "decrypted")
    else:
        decoded = decode_text(plain)
        ex.texts.append(TextPart("decrypted", decoded.text, "gnupg", "1", decoded.charset, decoded.reason))
