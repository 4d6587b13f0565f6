"""Split a very large message without holding it in memory.

The stdlib parser keeps a whole message (and a decoded copy of each part) in memory. For messages above
`Limits.large_message`, this line-by-line pass follows the MIME boundaries, decodes every part larger than
`Limits.large_part` straight into the originals store (through a scratch file inside the case folder), and
returns a reduced copy of the message where each such part is replaced by a marker header naming the stored
original. The reduced copy is small and goes through the normal reader; the untouched original is already stored.
"""

from __future__ import annotations

import binascii
import os
import re
import tempfile
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import BinaryIO

from leakdesk.intake.reading import ReadContext
from leakdesk.store.originals import Digests

STORED = "X-Leakdesk-Stored-Part"
_NOT_BASE64 = bytes(range(256)).translate(
    None, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)


class _Leaf:
    """The body of one non-multipart part: kept in memory while small, decoded to a scratch file once large."""

    def __init__(self, ctx: ReadContext, encoding: str, marker_at: int) -> None:
        self.ctx = ctx
        self.encoding = encoding
        self.marker_at = marker_at  # index in the output where the marker header goes
        self.lines: list[bytes] = []
        self.size = 0
        self.spill: BinaryIO | None = None
        self.spill_name = ""
        self.pending = b""
        self.batch: list[bytes] = []
        self.batch_size = 0
        self.held = b""  # the newest line: its line break belongs to the next boundary (RFC 2046), not the body

    def add(self, line: bytes) -> None:
        if self.spill is None:
            self.lines.append(line)
            self.size += len(line)
            if self.size > self.ctx.limits.large_part:
                fd, self.spill_name = tempfile.mkstemp(dir=self.ctx.scratch_dir, suffix=".part")
                self.spill = os.fdopen(fd, "wb")
                self.held = self.lines.pop()
                self.batch, self.batch_size, self.lines = self.lines, self.size, []
                self._flush()
        else:
            self.batch.append(self.held)
            self.batch_size += len(self.held)
            self.held = line
            if self.batch_size >= 1 << 20:
                self._flush()

    def _flush(self) -> None:
        """Decode the batched lines into the scratch file (base64 and quoted-printable decoded, others as is)."""
        assert self.spill is not None
        lines, self.batch, self.batch_size = self.batch, [], 0
        if self.encoding == "quoted-printable":
            for line in lines:
                self.spill.write(binascii.a2b_qp(line))
            return
        self._decode(b"".join(lines))

    def _decode(self, line: bytes) -> None:
        assert self.spill is not None
        if self.encoding == "base64":
            self.pending += line.translate(None, _NOT_BASE64)
            cut = len(self.pending) // 4 * 4
            if cut:
                self.spill.write(binascii.a2b_base64(self.pending[:cut]))
                self.pending = self.pending[cut:]
        else:
            self.spill.write(line)

    def finish(self, out: list[bytes], newline: bytes, stored: dict[str, Digests]) -> None:
        if self.spill is None:
            out.extend(self.lines)
            return
        try:
            self.batch.append(self.held.removesuffix(b"\n").removesuffix(b"\r"))
            self._flush()
            if self.pending.rstrip(b"="):
                data = self.pending.rstrip(b"=")
                data += b"=" * (-len(data) % 4)
                try:
                    self.spill.write(binascii.a2b_base64(data))
                except binascii.Error:
                    pass
            self.spill.close()
            with open(self.spill_name, "rb") as fh:
                digests = self.ctx.store_chunks(iter(lambda: fh.read(1 << 20), b""))
        finally:
            if not self.spill.closed:
                self.spill.close()
            os.unlink(self.spill_name)
        stored[digests.sha256] = digests
        out.insert(self.marker_at, f"{STORED}: {digests.sha256}".encode("ascii") + newline)
        out.append(newline)


def _part_headers(lines: list[bytes]) -> tuple[str, bytes | None, str]:
    msg = BytesHeaderParser(policy=compat32).parsebytes(b"".join(lines))
    boundary = msg.get_boundary()
    cte = (msg.get("Content-Transfer-Encoding") or "").strip().lower()
    return msg.get_content_type(), (b"--" + boundary.encode("utf-8", "surrogateescape")) if boundary else None, cte


def split_large_message(path: Path, ctx: ReadContext) -> tuple[bytes, dict[str, Digests]]:
    """(reduced message bytes, the originals stored for its large parts, by sha256)."""
    ctx.scratch_dir.mkdir(parents=True, exist_ok=True)
    out: list[bytes] = []
    stored: dict[str, Digests] = {}
    boundaries: list[bytes] = []
    header_lines: list[bytes] = []
    in_headers = True
    leaf: _Leaf | None = None
    newline = b"\n"
    with open(path, "rb") as fh:
        for line in fh:
            if in_headers:
                if line in (b"\n", b"\r\n"):
                    newline = line
                    ctype, boundary, cte = _part_headers(header_lines)
                    out.extend(header_lines)
                    out.append(line)
                    header_lines, in_headers = [], False
                    if ctype.startswith("multipart/") and boundary:
                        boundaries.append(boundary)
                        leaf = None
                    else:
                        leaf = _Leaf(ctx, cte, len(out) - 1)
                else:
                    header_lines.append(line)
                continue
            hit = None
            if line.startswith(b"--") and boundaries:
                stripped = line.rstrip()
                hit = next(
                    (i for i in range(len(boundaries) - 1, -1, -1)
                     if stripped in (boundaries[i], boundaries[i] + b"--")),
                    None,
                )
            if hit is None:
                if leaf is not None:
                    leaf.add(line)
                else:
                    out.append(line)
                continue
            if leaf is not None:
                leaf.finish(out, newline, stored)
                leaf = None
            out.append(line)
            if stripped.endswith(b"--") and stripped == boundaries[hit] + b"--":
                del boundaries[hit:]
            else:
                del boundaries[hit + 1 :]
                in_headers = True
    if in_headers:
        out.extend(header_lines)
    if leaf is not None:
        leaf.finish(out, newline, stored)
    return b"".join(out), stored


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def part_bodies(data: bytes, path: str = "", depth: int = 0) -> dict[str, bytes]:
    """The raw (still transfer-encoded) body of every leaf part, by the part numbers the email reader uses.

    The stdlib parser re-serialises what it parsed; an attached message must instead be stored as the exact bytes
    inside its parent, so that its hash and DKIM signature can be reproduced.
    """
    if depth > 50:
        return {}
    if data[:1] in (b"\n", b"\r") and data.lstrip(b"\r")[:1] == b"\n":
        head_end, body_start = 0, len(data) - len(data.lstrip(b"\r")[1:])
    else:
        match = _HEADER_END.search(data)
        head_end, body_start = (match.start(), match.end()) if match else (len(data), len(data))
    headers = BytesHeaderParser(policy=compat32).parsebytes(data[:head_end] + b"\n")
    body = data[body_start:]
    boundary = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
    if not boundary:
        return {path or "1": body}
    delimiter = re.compile(rb"(?m)^--" + re.escape(boundary.encode("utf-8", "surrogateescape")) + rb"(--)?[ \t]*\r?$")
    out: dict[str, bytes] = {}
    start: int | None = None
    index = 0
    for match in delimiter.finditer(body):
        if start is not None:
            end = match.start()
            end -= 2 if body[end - 2 : end] == b"\r\n" else 1 if body[end - 1 : end] == b"\n" else 0
            index += 1
            out.update(part_bodies(body[start:max(start, end)], f"{path}.{index}" if path else str(index), depth + 1))
        if match.group(1):
            return out
        start = match.end() + (2 if body[match.end() : match.end() + 2] == b"\r\n" else 1)
    if start is not None and start < len(body):  # no closing delimiter: the last part runs to the end
        index += 1
        out.update(part_bodies(body[start:], f"{path}.{index}" if path else str(index), depth + 1))
    return out
