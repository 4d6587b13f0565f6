"""Email header decoding: RFC 2047 encoded words, raw 8-bit headers, dates with their zone.

Real mail breaks RFC 2047 in known ways, and the decoder tolerates them: encoded words split by folding or holding
spaces (over-long Subjects), multi-byte characters split across two words, raw 8-bit bytes in a header or in an
attachment's file name. Whitespace between two encoded words is dropped (RFC 2047 §6.2); whitespace between an
encoded word and plain text is kept.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.utils
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

from leakdesk.intake.charsets import decode_short, normalise

# Lenient: the encoded text may hold spaces and folding (seen in over-long Subjects); it may not hold "?=".
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([qQbB])\?(.*?)\?=", re.S)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_QP_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def header_bytes(value: str) -> bytes:
    """The header's bytes as received (the parser keeps undecodable bytes as surrogate escapes)."""
    return value.encode("ascii", "surrogateescape") if not value.isascii() else value.encode("ascii")


def printable_raw(value: str) -> str:
    """The raw header as storable text: UTF-8 kept, other bytes written as \\xNN, NUL as \\x00."""
    if value.isascii():  # most headers: nothing to escape but NUL
        return value.replace("\x00", "\\x00") if "\x00" in value else value
    try:
        data = header_bytes(value)
    except UnicodeEncodeError:  # already a real str (e.g. from a str parser)
        return value.replace("\x00", "\\x00")
    return data.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def _word_bytes(encoding: str, text: str) -> bytes:
    raw = text.encode("ascii", "surrogateescape")
    if encoding in "qQ":
        raw = re.sub(rb"[\r\n]+[ \t]*", b"", raw).replace(b"_", b" ")
        return _QP_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
    raw = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
    raw += b"=" * (-len(raw) % 4)
    try:
        return base64.b64decode(raw)
    except (binascii.Error, ValueError):
        return base64.b64decode(raw[: len(raw) // 4 * 4] or b"")


def _decode_run(data: bytes, charset: str, hints: Sequence[str]) -> str:
    codec = normalise(charset.split("*", 1)[0])
    if codec is not None:
        try:
            return codecs.decode(data, codec)
        except (UnicodeDecodeError, LookupError):
            pass
    return decode_short(data, [charset, *hints])


def _plain(text: str, hints: Sequence[str]) -> str:
    """Text outside encoded words: raw 8-bit bytes (surrogate escapes) decoded like a short text."""
    if text.isascii():
        return text
    try:
        data = header_bytes(text)
    except UnicodeEncodeError:
        return text
    return decode_short(data, hints)


def decode_header(value: str, hints: Sequence[str] = ()) -> str:
    """Human-readable text of a header; `hints` are charsets the message declares elsewhere (for raw 8-bit bytes)."""
    if value.isascii() and "=?" not in value:  # no encoded word, no raw bytes: only whitespace to unfold
        return " ".join(value.replace("\x00", "").split())
    value = _FOLD.sub("", value)  # unfolding removes the line break, keeps the whitespace (RFC 5322 §2.2.3)
    out: list[str] = []
    run: bytes = b""
    run_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal run, run_charset
        if run_charset is not None:
            out.append(_decode_run(run, run_charset, hints))
        run, run_charset = b"", None

    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        if gap.strip() or run_charset is None:
            flush()
            out.append(_plain(gap, hints))
        charset = match.group(1)
        if run_charset is not None and charset.lower() != run_charset.lower():
            flush()
        run_charset = charset
        run += _word_bytes(match.group(2), match.group(3))
        pos = match.end()
    flush()
    out.append(_plain(value[pos:], hints))
    return " ".join("".join(out).replace("\x00", "").split())


# The form nearly every mail program writes: "Tue, 03 Aug 2021 14:05:00 +0300" (RFC 5322 §3.3, numeric zone).
_COMMON_DATE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([1-9][0-9]{3}) "
    r"([0-9][0-9]):([0-9][0-9]):([0-9][0-9]) ([+-])([0-9][0-9])([0-9][0-9])"
)
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                      "Dec"), 1)}
_ZONES: dict[str, timezone] = {}


def _common_date(value: str) -> datetime | None:
    """`email.utils.parsedate_to_datetime(value)` for the common RFC 5322 form, without the stdlib's general token
    juggling; None for any other form, a "-0000" zone or a value the stdlib would refuse (it then decides)."""
    m = _COMMON_DATE.fullmatch(value)
    if m is None:
        return None
    day, month, year, hh, mm, ss, sign, zh, zm = m.groups()
    zone = _ZONES.get(sign + zh + zm)
    if zone is None:
        offset = int(zh) * 3600 + int(zm) * 60
        if offset == 0 and sign == "-" or offset >= 86400:
            return None
        zone = _ZONES.setdefault(sign + zh + zm, timezone(timedelta(seconds=-offset if sign == "-" else offset)))
    try:
        return datetime(int(year), _MONTHS[month], int(day), int(hh), int(mm), int(ss), tzinfo=zone)
    except ValueError:
        return None


def parse_datetime(value: str) -> datetime:
    """`email.utils.parsedate_to_datetime`, with a fast path for the common form (same result, same errors)."""
    return _common_date(value) or email.utils.parsedate_to_datetime(value)


def parse_date(value: str | None) -> tuple[str | None, datetime | None, str | None]:
    """(ISO 8601 with the writer's zone, the same instant in UTC, a problem or None)."""
    if not value:
        return None, None, None
    try:
        when = parse_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, None, f"the Date header '{value.strip()[:80]}' cannot be read as a date"
    if when is None:
        return None, None, f"the Date header '{value.strip()[:80]}' cannot be read as a date"
    if when.tzinfo is None:  # "-0000": the zone is unknown; RFC 5322 says treat as UTC
        aware = when.replace(tzinfo=UTC)
        return aware.isoformat(), aware, "the Date header has no time zone (-0000); read as UTC"
    return when.isoformat(), when.astimezone(UTC), None
