"""The stdlib parser's answer for simple messages, built without its line machinery (issue 9, ingest speed).

`BytesParser(policy=compat32)` walks a message line by line in Python: a 20 KB base64 attachment is 270 lines, each
through several generator layers. For messages with nothing to decide (LF-only lines, well-formed headers, a single
body or one flat multipart of leaf parts with its boundaries in place) the same `Message` objects are built here
from a few `str.find` calls; everything else returns None and goes to the parser. tests/intake/test_simple_message.py
compares the two trees (headers, payloads, preamble, epilogue, defects) on varied, broken and hostile messages.
"""

from __future__ import annotations

import re
from email.message import Message
from email.policy import compat32
from functools import lru_cache

# A header line as the stdlib parser tells it (a name of these characters, a colon) and its continuation lines: the
# name, and the value with the spaces and tabs at its start taken off, continuation lines joined with their newline.
_HEADER_ROW = re.compile(r"^([\041-\071\073-\176]+):[ \t]*(.*(?:\n[ \t].*)*)", re.M)
_STRUCTURED = ("multipart", "message")
_PLAIN_MULTIPART_CTE = ("7bit", "8bit", "binary")  # the parser records a defect for any other on a multipart
MAX_PARTS = 100  # more parts than this: the parser reads it (the fast path is for everyday letters)


def split_headers(text: str, start: int = 0, end: int | None = None,
                  headerless: bool = False) -> tuple[list[tuple[str, str]], int] | None:
    """The header list the parser builds for the block at `text[start:end]` and where its body starts, for LF-only
    header lines (each a name and a colon, or a continuation of the one before) ended by a blank line; None for
    anything else. `headerless`: a block starting with the blank line has no headers (a MIME part may)."""
    end = len(text) if end is None else end
    if headerless and text.startswith("\n", start) and start < end:
        return [], start + 1
    cut = text.find("\n\n", start, end)
    if cut <= start:
        return None
    head = text[start:cut]
    if "\r" in head:  # the parser also ends lines at a lone CR
        return None
    headers: list[tuple[str, str]] = _HEADER_ROW.findall(head)
    # Every line must be a header line or continue one: a line that is neither (or a first line that continues
    # nothing, a defect the parser records) is in no match, and the lines do not add up.
    if len(headers) + head.count("\n ") + head.count("\n\t") != head.count("\n") + 1:
        return None
    return headers, cut + 2


@lru_cache(maxsize=1024)
def type_and_boundary(content_type: str | None) -> tuple[str, str | None]:
    """(`get_content_type()`, `get_boundary()`) of a part outside a digest whose first Content-Type header is
    `content_type` (None: it has none), computed by the stdlib itself once per distinct value: both read nothing
    else, and a mailbox repeats a handful of values."""
    part = Message(policy=compat32)
    if content_type is not None:
        part._headers = [("Content-Type", content_type)]  # type: ignore[attr-defined]
    return part.get_content_type(), part.get_boundary()


def first_content_type(headers: list[tuple[str, str]]) -> str | None:
    """The value of the first Content-Type header (the one `Message.get` returns), or None."""
    for name, value in headers:
        if name.lower() == "content-type":
            return value
    return None


def _message(headers: list[tuple[str, str]]) -> Message:
    msg = Message(policy=compat32)
    msg._headers = headers  # type: ignore[attr-defined]  # what the parser's set_raw() builds, header by header
    return msg


def simple_message(data: bytes) -> Message | None:
    """What `BytesParser(policy=compat32).parsebytes(data)` gives, for a message with nothing to decide: simple
    headers (see `split_headers`) and a body that is a leaf or one flat multipart (`_flat_multipart`). None for
    anything else (CR in the headers, a 'From ' or broken header line, no blank line, a deeper MIME tree)."""
    text = data.decode("ascii", "surrogateescape")  # as BytesParser does
    split = split_headers(text)
    if split is None:
        return None
    headers, body_start = split
    msg = _message(headers)
    ctype, boundary = type_and_boundary(first_content_type(headers))
    maintype = ctype.split("/", 1)[0]
    if maintype == "multipart":
        return msg if _flat_multipart(msg, text, body_start, ctype, boundary) else None
    if maintype in _STRUCTURED:
        return None
    msg.set_payload(text[body_start:])
    return msg


def _boundary_lines(text: str, start: int, separator: str) -> list[tuple[int, int, bool]] | None:
    """(line start, line end, closing?) of every line of `text[start:]` the parser takes as a boundary line
    (`separator`, "--" for the closing one, then only spaces or tabs), up to the closing one; None without one."""
    found: list[tuple[int, int, bool]] = []
    pos = start
    while True:
        at = text.find(separator, pos)
        if at < 0:
            return None  # no closing boundary: the parser records a defect
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end
        pos = at + len(separator)
        if at != start and text[at - 1] != "\n":
            continue  # not at the start of a line
        rest = text[pos:line_end]
        closing = rest.startswith("--")
        if rest[2 if closing else 0:].strip(" \t"):
            continue  # more than white space after it: not a boundary line
        found.append((at, line_end, closing))
        if closing:
            return found
        if len(found) > MAX_PARTS:
            return None


def _flat_multipart(msg: Message, text: str, body_start: int, ctype: str, boundary: str | None) -> bool:
    """Fill `msg` (a multipart of type `ctype` and this boundary) as the parser would when its body is a preamble,
    leaf parts with simple headers between boundary lines, a closing boundary and an epilogue; False (msg
    unusable) for anything else."""
    cte = msg.get("content-transfer-encoding", "8bit")
    if (not isinstance(cte, str) or cte.lower() not in _PLAIN_MULTIPART_CTE or not boundary or "\n" in boundary
            or ctype == "multipart/digest" or "\r" in text):
        return False
    lines = _boundary_lines(text, body_start, "--" + boundary)
    if lines is None or len(lines) < 2 or lines[0][2]:
        return False  # no part at all, or the closing boundary first: the parser records a defect
    parts: list[Message | str] = []
    for (_at, line_end, _closing), (next_at, _next_end, _next_closing) in zip(lines, lines[1:], strict=False):
        part_start = line_end + 1
        if part_start >= next_at:
            return False  # two boundary lines in a row (or one at the very end): the parser skips them its own way
        split = split_headers(text, part_start, next_at, headerless=True)
        if split is None:
            return False  # e.g. no blank line between a part's headers and the next boundary
        headers, body = split
        part = _message(headers)
        if type_and_boundary(first_content_type(headers))[0].split("/", 1)[0] in _STRUCTURED:
            return False  # a nested multipart or an attached message: the parser's recursion
        payload = text[body:next_at]
        part.set_payload(payload[:-1] if payload.endswith("\n") else payload)  # that newline is the boundary's
        parts.append(part)
    first_at = lines[0][0]
    if first_at > body_start:
        msg.preamble = text[body_start:first_at - 1]  # the newline before the first boundary is the boundary's
    msg.set_payload(parts)
    msg.epilogue = text[lines[-1][1] + 1:]
    return True
