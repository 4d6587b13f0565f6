"""Turn bytes into text, recording which charset was used and why.

Leaked Russian mail arrives in UTF-8, windows-1251, KOI8-R, cp866 and ISO-8859-5, often with a wrong label. A single
byte Cyrillic text decodes without error in almost any single byte charset, so "it decoded" proves nothing: the
declared charset is kept only when the decoded text does not look garbled (charset-normalizer's mess ratio);
otherwise the charset is detected and the reason recorded.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

GARBLED = 0.2  # mess ratio above which a decoding is considered wrong
SAMPLE = 64 * 1024  # bytes looked at when judging or detecting a charset
# Aliases mail software writes that Python does not know.
ALIASES = {"x-mac-cyrillic": "mac_cyrillic", "koi8r": "koi8_r", "win-1251": "cp1251", "windows-1251": "cp1251",
           "x-cp1251": "cp1251", "cp-866": "cp866", "ibm866": "cp866", "unicode-1-1-utf-7": "utf_7",
           "ks_c_5601-1987": "cp949", "x-unknown": "", "unknown-8bit": "", "x-user-defined": ""}
# When several charsets give the same text, report the one people know.
PREFERRED = {"cp1125": "cp866"}


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str
    reason: str


def normalise(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when the label is missing or unknown."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    label = ALIASES.get(label, label)
    if not label:
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _mess(data: bytes, codec: str) -> float | None:
    try:
        text = data[:SAMPLE].decode(codec, errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start < len(data[:SAMPLE]) - 4:  # a multi-byte char cut by the sample is not a failure
            return None
        text = data[: exc.start].decode(codec)
    return mess_ratio(text, maximum_threshold=1.0)


def _detect(data: bytes) -> tuple[str, float] | None:
    best = from_bytes(data[:SAMPLE]).best()
    if best is None:
        return None
    codec = normalise(best.encoding) or best.encoding
    return PREFERRED.get(codec, codec), float(best.chaos)


def decode_text(data: bytes, declared: str | None = None) -> Decoded:
    """Decode `data`; `declared` is the label the sender gave (Content-Type charset), if any."""
    if not data:
        return Decoded("", normalise(declared) or "ascii", "empty")
    if data.isascii():
        codec = normalise(declared)
        return Decoded(data.decode("ascii"), codec or "ascii", "plain ASCII: every charset reads it the same way")
    codec = normalise(declared)
    if declared and codec is None:
        why = f"declared charset '{declared}' is unknown"
    elif codec is not None:
        if codec == "utf-8":
            try:
                return Decoded(data.decode("utf-8"), "utf-8", "declared utf-8; the bytes are valid UTF-8")
            except UnicodeDecodeError:
                why = "declared utf-8, but the bytes are not valid UTF-8"
        else:
            mess = _mess(data, codec)
            if mess is not None and mess <= GARBLED:
                text = data.decode(codec, errors="replace")
                return Decoded(text, codec, f"declared {codec}; the text reads cleanly (mess {mess:.2f})")
            why = (
                f"declared {codec}, but the bytes do not decode with it"
                if mess is None
                else f"declared {codec}, but the text decoded with it looks garbled (mess {mess:.2f})"
            )
    else:
        why = "no charset declared"
    try:
        return Decoded(data.decode("utf-8"), "utf-8", f"{why}; the bytes are valid UTF-8")
    except UnicodeDecodeError:
        pass
    found = _detect(data)
    if found is not None:
        guess, chaos = found
        try:
            text = data.decode(guess, errors="replace")
            return Decoded(text, guess, f"{why}; charset-normalizer detected {guess} (mess {chaos:.2f})")
        except LookupError:
            pass
    text = data.decode(codec or "utf-8", errors="replace")
    return Decoded(
        text, codec or "utf-8", f"{why}; no charset fits, decoded as {codec or 'utf-8'} with replacement characters"
    )
