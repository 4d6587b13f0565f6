"""mbox files, streamed: each message goes straight to the originals store, never the whole file in memory.

The variants real mailboxes come in are all read: mboxo and mboxrd (a "From " line starts a message; quoted ">From "
lines stay as they are in mboxo, and lose one ">" in a file that shows mboxrd quoting, ">>From "), mboxcl/mboxcl2 (a
Content-Length header gives the body's exact size, so unquoted
"From " lines inside it are body), CRLF files, and separators that do not follow a blank line (common in real
mailboxes): a "From " line that looks like an envelope line (sender and date) followed by a header line is a
separator wherever it stands. A "From " line that is not taken, or a block of transport headers inside a body,
makes a warning that a separator may have been missed. Lines are read in bounded pieces, so a 150 MB line costs
no more memory than a short one. A truncated mbox still yields every message up to the cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source

CHUNK = 256 * 1024
PIECE = 64 * 1024  # the longest piece of a line read at once
BLANK = (b"\n", b"\r\n")
# "From sender Tue Aug  3 14:05:00 2021" (asctime, as mail delivery agents write it), with optional zone / extras.
ENVELOPE = re.compile(
    rb"^From \S*\s+(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+)?(?:[A-Z][a-z]{2}\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2})"
    rb"\s+(?:\d{4}\s+)?\d{1,2}:\d{2}(?::\d{2})?\b"
)
HEADER_LINE = re.compile(rb"^[!-9;-~]{1,80}:")
TRANSPORT = re.compile(rb"^(?:Return-Path|Received|Delivered-To|Message-ID):", re.I)
CONTENT_LENGTH = re.compile(rb"^Content-Length:\s*(\d{1,15})\s*$", re.I)
QUOTED_FROM = re.compile(rb">+From ")
QUOTED_FROM_LINE = re.compile(rb"^>(>*From )", re.M)
TRANSPORT_LINE = re.compile(TRANSPORT.pattern, re.I | re.M)
WINDOW = 16 * 1024  # body bytes looked at at once for the next "From " line
MBOXRD_MARK = b"\n>>From "  # only mboxrd writes these: it quotes ">From " lines again, mboxo leaves them alone


def is_mboxrd(fh: BinaryIO) -> bool:
    """True when the file quotes already-quoted "From " lines (">>From "), which only mboxrd does; then every
    quoted line gets one ">" taken off when read. Without such a line the quoting cannot be told from mboxo's,
    and ">From " lines are kept as written (what mboxo readers, Python's `mailbox` among them, do)."""
    fh.seek(0)
    tail = b"\n"
    while chunk := fh.read(CHUNK):
        # the mark inside the chunk, or across its start (without copying the chunk onto the tail)
        if MBOXRD_MARK in chunk or MBOXRD_MARK in tail + chunk[: len(MBOXRD_MARK) - 1]:
            fh.seek(0)
            return True
        tail = (tail + chunk)[-(len(MBOXRD_MARK) - 1):] if len(chunk) < len(MBOXRD_MARK) else \
            chunk[-(len(MBOXRD_MARK) - 1):]
    fh.seek(0)
    return False


class _Lines:
    """Lines of a binary file in bounded pieces, with one piece of look-ahead.

    `peek()` is the next piece; `at_start` says whether it begins a line (pieces of one long line are not).
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.offset = 0  # of the next piece
        self.last = b""
        self._next = fh.readline(PIECE)
        self._pos = fh.tell()  # where the file is: kept here, as a buffered file's tell() is a system call each
        self.next_at_start = True
        self._last_ended = True

    def peek(self) -> bytes | None:
        return self._next or None

    def take(self) -> bytes:
        piece = self._next
        self.offset += len(piece)
        self.last = piece
        self.next_at_start = piece.endswith(b"\n")
        self._next = self._fh.readline(PIECE)
        self._pos += len(self._next)
        return piece

    def seek(self, offset: int) -> None:
        self._fh.seek(offset)
        self.offset = offset
        self._next = self._fh.readline(PIECE)
        self._pos = offset + len(self._next)
        self.next_at_start = True

    def window(self, n: int) -> bytes:
        """Up to `n` bytes from the next piece on, without moving."""
        return self.look_ahead(self.offset, n)

    def skip(self, data: bytes) -> None:
        """Move past `data`: whole lines that `window` has just returned."""
        self.last = data
        self.seek(self.offset + len(data))

    def look_ahead(self, offset: int, n: int) -> bytes:
        """`n` bytes at `offset`, without moving."""
        self._fh.seek(offset)
        data = self._fh.read(n)
        self._fh.seek(self._pos)
        return data

    def read_exact(self, n: int) -> Iterator[bytes]:
        """The next `n` bytes, in chunks (after a peeked piece, which is counted in)."""
        first = self._next[:n]
        rest = n - len(first)
        if first:
            yield first
        self._pos = self.offset + len(first)
        self._fh.seek(self._pos)
        while rest > 0:
            data = self._fh.read(min(CHUNK, rest))
            if not data:
                break
            self._pos += len(data)
            rest -= len(data)
            yield data
        self.seek(self.offset + n)


class _Scan:
    """Warnings collected while reading one message's body: signs of a separator that was missed."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.blank_before = False
        self.in_body = False
        self.prev_text = False  # the last non-blank line of the body was text (not a header line)
        self.header_run = 0
        self.block_after_text = False
        self.transport = False

    def note(self, line: bytes, at_start: bool) -> None:
        if not at_start or not self.in_body:
            return
        if self.blank_before:
            self.header_run, self.transport = 0, False
        if HEADER_LINE.match(line):
            if self.header_run == 0:
                self.block_after_text = self.prev_text
            self.header_run += 1
            self.transport = self.transport or bool(TRANSPORT.match(line))
            if self.header_run >= 3 and self.transport and self.block_after_text:
                self.warn("lines inside its body look like the headers of another message (Return-Path, "
                          "Received, Message-ID) with no 'From ' separator before them: two letters may be merged")
            self.prev_text = False
        elif not (line.startswith((b" ", b"\t")) and self.header_run):
            self.header_run, self.transport, self.prev_text = 0, False, True

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


_NOTHING_SEEN = _Scan()  # the scan of a message taken whole: nothing in it to warn about (never written to)


def _is_separator(line: bytes, lines: _Lines, after_blank: bool) -> bool:
    """A "From " line starts a message when it looks like an envelope line (sender and date, RFC 4155) after a blank
    line, or when it is followed by a header line: an envelope line anywhere, any "From " line after a blank line.
    An unquoted line of prose after a blank line ("From what I hear, ...") is body, as Dovecot reads it."""
    if not line.startswith(b"From "):
        return False
    envelope = bool(ENVELOPE.match(line))
    if not envelope and not after_blank:
        return False
    if envelope and after_blank:
        return True
    following = lines.look_ahead(lines.offset + len(line), 200)
    return bool(HEADER_LINE.match(following))


def _plain_block(lines: _Lines, scan: _Scan) -> bytes | None:
    """Whole body lines ahead that the line-by-line reading would only copy: up to the line before the next "From "
    line (that line and the "From " line are left to it, since a blank line before a separator belongs to the
    separator), holding no transport header that could make a missed-separator warning. The scan is brought to the
    state the line-by-line reading would leave it in. None when there is no such block; `lines` moves past it."""
    if scan.transport:
        return None
    window = lines.window(WINDOW)
    cut = window.find(b"\nFrom ")
    region = window[: cut + 1] if cut >= 0 else window[: window.rfind(b"\n") + 1]
    end = region.rfind(b"\n", 0, len(region) - 1) + 1
    block = region[:end]
    if not block or TRANSPORT_LINE.search(block):
        return None
    rows = block.split(b"\n")[:-1]
    for i in range(len(rows) - 1, -1, -1):  # the last line that resets the scan whatever came before it
        row = rows[i].rstrip(b"\r")
        if row and not row.startswith((b" ", b"\t")) and not HEADER_LINE.match(row):
            break
    else:
        return None
    scan.blank_before = False
    for row in rows[i:]:
        if row in (b"", b"\r"):
            scan.blank_before = True
        else:
            scan.note(row + b"\n", True)
            scan.blank_before = False
    lines.skip(block)
    return block


def _content_length_end(lines: _Lines, body_start: int, length: int) -> bool:
    """True when the message's Content-Length ends exactly before a separator or the end of the file (mboxcl)."""
    after = lines.look_ahead(body_start + length, 4096)
    stripped = after.lstrip(b"\r\n")
    return not after or (stripped.startswith(b"From ") and len(after) - len(stripped) <= 4) or not stripped


WHOLE = (8 * 1024, PIECE)  # windows in which a whole message is looked for at once (at most PIECE: see below)
# TRANSPORT_LINE anchored on the newline before (a literal prefix: found in C, not tried at every position as a
# multi-line pattern is); the case-blind names (ASCII case only, as TRANSPORT_LINE) are tried only after a newline
# followed by one of their first letters.
_TRANSPORT_AFTER_NEWLINE = re.compile(rb"\n(?=[RrDdMm])(?i:return-path|received|delivered-to|message-id):")


def _whole_message(lines: _Lines, mboxrd: bool) -> tuple[bytes, int] | None:
    """(the message's bytes, quoted "From " lines unquoted) for a message the line-by-line reading would only copy:
    LF-only lines, no "From " line before the one ending it (a separator after a blank line, in a window no larger
    than a piece, so that every line in it is a whole line), no Content-Length header, no transport header line in
    its body (nothing to warn about). `lines` moves past it and the blank line that belongs to the separator; None
    leaves `lines` where it was, for the line-by-line reading."""
    if not lines.next_at_start:
        return None
    for size in WHOLE:
        window = lines.window(size)
        end = window.find(b"\nFrom ")
        if end >= 0 or len(window) < size:
            break
    if end < 1 or window[end - 1] != 10 or window[:1] == b"\n" or window.startswith(b"From "):
        return None  # no separator after a blank line in sight, or a message starting oddly
    head_end = window.find(b"\n\n", 0, end + 1)
    line_end = window.find(b"\n", end + 1)
    if head_end < 0 or line_end < 0 or not ENVELOPE.match(window[end + 1 : line_end + 1]):
        return None
    message = window[:end]
    # Content-Length ignores ASCII case: so does bytes.lower() (of the header block only)
    if b"\r" in message or window[: head_end + 1].lower().find(b"content-length:") >= 0 \
            or _TRANSPORT_AFTER_NEWLINE.search(message, head_end) is not None:
        return None
    unquoted = 0
    if mboxrd:
        message, unquoted = QUOTED_FROM_LINE.subn(rb"\1", message)
    lines.last = b"\n"  # what matters of the last piece taken: it ended its line (window[end] is that newline)
    lines.seek(lines.offset + end + 1)
    return message, unquoted


BUFFER = 1024**2  # the mbox file's read buffer
KEEP = 256 * 1024  # a message up to this size is handed on in memory as well as stored


def _keeping(chunks: Iterator[bytes], kept: list[bytes]) -> Iterator[bytes]:
    """The chunks, passed through; a small message's chunks are also kept (the reader then needs no second read)."""
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size <= KEEP:
            kept.append(chunk)
        elif kept:
            kept.clear()
        yield chunk


class MboxReader(Reader):
    name = "mbox"
    version = "2"
    media_types = ("application/mbox",)
    extensions = ("mbox", "mbx")
    magic = (b"From ",)
    container = True
    member_reader = "eml"
    channel = "mbox"

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        ex = Extracted(kind="container", media_type="application/mbox")
        ex.children = self._messages(source, ctx, ex)
        return ex

    def _messages(self, source: Source, ctx: ReadContext, ex: Extracted) -> Iterator[Child]:
        with source.open(BUFFER) as fh:  # the look-aheads and seeks of `_Lines` then stay inside the buffer
            mboxrd = is_mboxrd(fh)
            if mboxrd:
                ex.details["quoting"] = "mboxrd: one '>' taken off each quoted 'From ' line"
            lines = _Lines(fh)
            if (first := lines.peek()) is not None and not first.startswith(b"From "):
                ex.details["note"] = "the file does not start with a 'From ' separator line; read from its start"
            n = 0
            variants: set[str] = set()
            while lines.peek() is not None:
                start = lines.offset
                from_line = lines.take() if lines.peek().startswith(b"From ") else b""  # type: ignore[union-attr]
                while from_line and not lines.next_at_start and lines.peek() is not None:
                    lines.take()  # an over-long separator line: the rest of it is not part of the message
                n += 1
                body_start = lines.offset  # the message's own bytes start here (after its "From " line)
                if not ctx.top_level and n > ctx.limits.max_children:
                    ex.errors.append(f"more than {ctx.limits.max_children} messages; the rest were not read")
                    return
                details: dict[str, object] = {"offset": start}
                whole = _whole_message(lines, mboxrd)
                scan = _NOTHING_SEEN
                if whole is not None:  # one chunk, kept whole (the store takes all of it)
                    kept = [whole[0]]
                    chunks: Iterator[bytes] = iter(kept)
                    if whole[1]:
                        details["unquoted_from_lines"] = whole[1]
                else:
                    scan, kept = _Scan(), []
                    chunks = _keeping(self._message_chunks(lines, scan, details, variants, mboxrd), kept)
                if ctx.store_slice is not None:  # a slice of the stored mbox, unless the bytes differ (mboxrd)
                    digests = ctx.store_slice(chunks, body_start)
                else:
                    digests = ctx.store_chunks(chunks)
                error = None
                if lines.peek() is None and lines.last and not lines.last.endswith(b"\n"):
                    error = "the mbox ends in the middle of a line: this last message is cut short (truncated file)"
                if from_line:
                    details["from_line"] = from_line[:1000].decode("utf-8", "backslashreplace").rstrip()
                if scan.warnings:
                    details["mbox_warnings"] = scan.warnings
                yield Child(digests, f"message {n}", kind="email", media_type="message/rfc822", details=details,
                            error=error, warnings=[f"message {n} of the mbox: {w}" for w in scan.warnings],
                            data=b"".join(kept) if digests.size <= KEEP else None)
            ex.details["messages"] = n
            if variants:
                ex.details["variants"] = sorted(variants)

    def _message_chunks(self, lines: _Lines, scan: _Scan, details: dict[str, object],
                        variants: set[str], mboxrd: bool = False) -> Iterator[bytes]:
        """The bytes of one message, in chunks, stopping before the next separator (and its blank line)."""
        buf: list[bytes] = []
        size = 0
        pending_blank = b""
        in_headers = True
        length: int | None = None
        unquoted = 0
        while (line := lines.peek()) is not None:
            at_start = lines.next_at_start
            if not in_headers and at_start and not pending_blank and not line.startswith(b"From "):
                block = _plain_block(lines, scan)
                if block is not None:  # body lines with nothing to decide in them: taken in one piece
                    if b"\r\n" in block:
                        variants.add("CRLF line endings")
                    if mboxrd:
                        block, n = QUOTED_FROM_LINE.subn(rb"\1", block)
                        if n:
                            unquoted += n
                            details["unquoted_from_lines"] = unquoted
                    buf.append(block)
                    size += len(block)
                    if size >= CHUNK:
                        yield b"".join(buf)
                        buf, size = [], 0
                    continue
            if at_start and line.startswith(b"From ") and _is_separator(line, lines, bool(pending_blank)):
                if not pending_blank:
                    details["separator_without_blank_line"] = True
                    variants.add("separators without a blank line before them")
                break  # a blank line before belongs to the separator (as at the end of the file, like mailbox.mbox)
            if at_start and line.startswith(b"From ") and not in_headers and line.endswith(b"\n"):
                following = lines.look_ahead(lines.offset + len(line), 200)
                if HEADER_LINE.match(following):
                    scan.warn("a 'From ' line followed by header lines inside its body was not taken as the start "
                               "of a new message (it does not look like an mbox separator)")
            lines.take()
            if line.endswith(b"\r\n") and at_start:
                variants.add("CRLF line endings")
            if pending_blank:
                buf.append(pending_blank)
                size += len(pending_blank)
                pending_blank = b""
                scan.blank_before = True
            if at_start and in_headers:
                if (m := CONTENT_LENGTH.match(line)) is not None:
                    length = int(m.group(1))
                if line in BLANK:
                    in_headers = False
                    scan.in_body = True
                    if length is not None and _content_length_end(lines, lines.offset, length):
                        details["content_length"] = length
                        variants.add("Content-Length (mboxcl)")
                        buf.append(line)
                        yield b"".join(buf)
                        body = lines.read_exact(length)
                        yield from body
                        self._skip_blank(lines)
                        return
            if at_start and line in BLANK and not in_headers:
                pending_blank = line
                continue
            scan.note(line, at_start)
            scan.blank_before = False
            if mboxrd and at_start and line.startswith(b">") and QUOTED_FROM.match(line):
                line = line[1:]  # the message as it was before the mbox quoted it
                unquoted += 1
                details["unquoted_from_lines"] = unquoted
            buf.append(line)
            size += len(line)
            if size >= CHUNK:
                yield b"".join(buf)
                buf, size = [], 0
        if buf:
            yield b"".join(buf)

    @staticmethod
    def _skip_blank(lines: _Lines) -> None:
        """After a Content-Length body, the blank line before the next separator belongs to the separator."""
        while (line := lines.peek()) is not None and line in BLANK:
            lines.take()
