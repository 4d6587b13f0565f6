"""Apple Mail .emlx files: a byte count, the message itself, then a property list of Mail's flags. The message is
read exactly like an .eml; the flags are kept beside it."""

from __future__ import annotations

import plistlib
import re

from leakdesk.errors import IntakeError
from leakdesk.intake.readers.eml import read_message
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source

_COUNT = re.compile(rb"\A[ \t]*(\d{1,12})[ \t]*\r?\n")


def emlx_message(raw: bytes) -> bytes | None:
    """The message inside an .emlx file (its exact bytes), or None when `raw` is not one."""
    m = _COUNT.match(raw)
    if m is None:
        return None
    size = int(m.group(1))
    body = raw[m.end():m.end() + size]
    return body if len(body) == size else None


class EmlxReader(Reader):
    name = "emlx"
    version = "1"
    media_types = ("message/x-emlx",)
    extensions = ("emlx",)
    channel = "eml"

    def sniff(self, source: Source, head: bytes) -> int:
        m = _COUNT.match(head)
        return 20 if m and b":" in head[m.end():m.end() + 200].split(b"\n", 1)[0] else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        raw = source.read_bytes()
        message = emlx_message(raw)
        if message is None:
            m = _COUNT.match(raw)
            if m is None:
                raise IntakeError("not an Apple Mail .emlx file (it does not start with the message's length)")
            raise IntakeError(f"the .emlx file is cut short: it announces {int(m.group(1)):,} bytes of message "
                              f"but holds {len(raw) - m.end():,}")
        ex = read_message(message, ctx)
        tail = raw[_COUNT.match(raw).end() + len(message):]  # type: ignore[union-attr]
        if tail.strip():
            try:
                flags = plistlib.loads(tail.strip())
                ex.details["emlx"] = {str(k): str(v)[:200] for k, v in dict(flags).items()}
            except Exception:  # a damaged plist loses only Mail's flags, never the message
                ex.details["emlx"] = {"note": "Mail's property list after the message could not be read"}
        return ex
