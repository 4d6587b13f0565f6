"""Plain text and Markdown files."""

from __future__ import annotations

from email.message import Message

from leakdesk.intake.charsets import decode_text
from leakdesk.intake.readers.unknown import looks_binary
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart


def declared_charset(media_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, if any."""
    if not media_type or "charset" not in media_type.lower():
        return None
    m = Message()
    m["Content-Type"] = media_type
    return m.get_content_charset()


def read_limited(source: Source, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of the input, and whether it was cut."""
    with source.open() as fh:
        data = fh.read(limit + 1)
    return data[:limit], len(data) > limit


def text_role(ctx: ReadContext) -> str:
    return "body" if ctx.top_level else "attachment"


class TextReader(Reader):
    name = "text"
    version = "1"
    media_types = ("text/plain", "text/markdown", "text/x-markdown", "text/csv")
    extensions = ("txt", "text", "md", "markdown", "csv", "log")

    def sniff(self, source: Source, head: bytes) -> int:
        return 1 if head and not looks_binary(head) else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        data, cut = read_limited(source, ctx.limits.max_text_chars)
        ex = Extracted(kind="file", media_type=(source.media_type or "text/plain").split(";")[0])
        decoded = decode_text(data, declared_charset(source.media_type))
        ex.texts.append(
            TextPart(text_role(ctx), decoded.text, self.name, self.version, decoded.charset, decoded.reason)
        )
        if cut:
            ex.details["truncated"] = f"only the first {ctx.limits.max_text_chars:,} bytes were read as text"
        return ex
