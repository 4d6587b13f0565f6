"""mbox files, streamed: each message goes straight to the originals store, never the whole file in memory.

A message runs from its "From " separator line to the next separator that follows a blank line (the mboxo/mboxrd
convention `mailbox.mbox` uses too). A truncated mbox still yields every message up to the cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from leakdesk.intake.registry import Child, Extracted, ReadContext, Reader, Source

CHUNK = 256 * 1024


class _Lines:
    """Lines of a binary file with one line of look-ahead."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._next: bytes | None = fh.readline()
        self.offset = 0
        self.last = b""

    def peek(self) -> bytes | None:
        return self._next or None

    def take(self) -> bytes:
        line = self._next or b""
        self.offset += len(line)
        self.last = line
        self._next = self._fh.readline()
        return line


def _message_chunks(lines: _Lines) -> Iterator[bytes]:
    """The bytes of one message, in chunks, stopping before the next separator (and its blank line)."""
    buf: list[bytes] = []
    size = 0
    pending_blank = b""
    while (line := lines.peek()) is not None:
        if pending_blank and line.startswith(b"From "):
            break  # the blank line belongs to the separator (as at the end of the file, like mailbox.mbox)
        lines.take()
        if pending_blank:
            buf.append(pending_blank)
            size += len(pending_blank)
            pending_blank = b""
        if line in (b"\n", b"\r\n"):
            pending_blank = line
            continue
        buf.append(line)
        size += len(line)
        if size >= CHUNK:
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)


class MboxReader(Reader):
    name = "mbox"
    version = "1"
    media_types = ("application/mbox",)
    extensions = ("mbox", "mbx")
    magic = (b"From ",)
    container = True
    channel = "mbox"

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        ex = Extracted(kind="container", media_type="application/mbox")
        ex.children = self._messages(source, ctx, ex)
        return ex

    def _messages(self, source: Source, ctx: ReadContext, ex: Extracted) -> Iterator[Child]:
        with source.open() as fh:
            lines = _Lines(fh)
            if (first := lines.peek()) is not None and not first.startswith(b"From "):
                ex.details["note"] = "the file does not start with a 'From ' separator line; read from its start"
            n = 0
            while lines.peek() is not None:
                start = lines.offset
                from_line = lines.take() if lines.peek().startswith(b"From ") else b""  # type: ignore[union-attr]
                n += 1
                if not ctx.top_level and n > ctx.limits.max_children:
                    ex.errors.append(f"more than {ctx.limits.max_children} messages; the rest were not read")
                    return
                digests = ctx.store_chunks(_message_chunks(lines))
                details: dict[str, object] = {"offset": start}
                error = None
                if lines.peek() is None and lines.last and not lines.last.endswith(b"\n"):
                    error = "the mbox ends in the middle of a line: this last message is cut short (truncated file)"
                if from_line:
                    details["from_line"] = from_line.decode("utf-8", "backslashreplace").rstrip()
                yield Child(digests, f"message {n}", kind="email", media_type="message/rfc822", details=details,
                            error=error)
            ex.details["messages"] = n
