"""Email header decoding: RFC 2047 encoded words, raw 8-bit headers, dates with their zone."""

from __future__ import annotations

import email.header
import email.utils
from datetime import UTC, datetime

from leakdesk.intake.charsets import decode_text, normalise


def header_bytes(value: str) -> bytes:
    """The header's bytes as received (the parser keeps undecodable bytes as surrogate escapes)."""
    return value.encode("ascii", "surrogateescape") if not value.isascii() else value.encode("ascii")


def printable_raw(value: str) -> str:
    """The raw header as storable text: UTF-8 kept, other bytes written as \\xNN, NUL as \\x00."""
    try:
        data = header_bytes(value)
    except UnicodeEncodeError:  # already a real str (e.g. from a str parser)
        return value.replace("\x00", "\\x00")
    return data.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def _chunk_text(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    codec = normalise(charset)
    if codec is not None:
        try:
            return chunk.decode(codec)
        except UnicodeDecodeError:
            pass
    return decode_text(chunk, charset).text


def decode_header(value: str) -> str:
    """Human-readable text of a header: encoded words decoded, raw 8-bit bytes decoded by charset detection."""
    if not value.isascii():
        try:
            value = decode_text(header_bytes(value), None).text
        except UnicodeEncodeError:
            pass
    try:
        parts = email.header.decode_header(value)
    except Exception:  # malformed encoded words: keep the text as written
        return value.replace("\x00", "").strip()
    out = [_chunk_text(chunk, charset) for chunk, charset in parts]
    joined = "".join(out)
    return " ".join(joined.replace("\x00", "").split())


def parse_date(value: str | None) -> tuple[str | None, datetime | None, str | None]:
    """(ISO 8601 with the writer's zone, the same instant in UTC, a problem or None)."""
    if not value:
        return None, None, None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, None, f"the Date header '{value.strip()[:80]}' cannot be read as a date"
    if when is None:
        return None, None, f"the Date header '{value.strip()[:80]}' cannot be read as a date"
    if when.tzinfo is None:  # "-0000": the zone is unknown; RFC 5322 says treat as UTC
        aware = when.replace(tzinfo=UTC)
        return aware.isoformat(), aware, "the Date header has no time zone (-0000); read as UTC"
    return when.isoformat(), when.astimezone(UTC), None
