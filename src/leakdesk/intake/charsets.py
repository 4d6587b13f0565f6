"""Turn bytes into text, recording which charset was used and why.

Leaked Russian mail arrives in UTF-8, windows-1251, KOI8-R, cp866 and ISO-8859-5, often with a wrong label. A single
byte Cyrillic text decodes without error in almost any single byte charset, so "it decoded" proves nothing: the
declared charset is kept only when the decoded text does not look garbled (charset-normalizer's mess ratio);
otherwise the charset is detected and the reason recorded.
"""

from __future__ import annotations

import codecs
import re
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
    rejected: bool = False  # a charset was declared and did not fit (unknown, invalid or garbled)


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


CYRILLIC_FAMILY = ("koi8-r", "cp1251", "cp866", "iso8859-5")
_COMMON_RU = set("оеаинтсрвл")
_WORD = re.compile(r"[^\W\d_]{2,}")
_ODD = re.compile(r"\b[^\W\d_A-ZА-ЯЁ][^\W\d_]*[A-ZА-ЯЁ][^\W\d_]*")  # a word starting lower with an upper inside
_RU_LETTER = re.compile("[а-яё]")
_UPPER = re.compile("[A-ZА-ЯЁ]")
_ALPHA = re.compile(r"[^\W\d_]")
FIT_SAMPLE = 2048
_HIGH = bytes(range(128, 256))
CLEARLY_RUSSIAN = 0.45  # a reading this good needs no comparison (real prose scores about 0.6)


def russian_fit(text: str) -> float | None:
    """How much `text` looks like Russian (about 0.6 for real prose), None if it has too few Cyrillic letters.

    Single-byte Cyrillic charsets map letters onto each other, so a text read in the wrong one is a substitution
    cipher of Russian: valid letters, wrong frequencies. KOI8-R and windows-1251 also swap letter case, so words
    like "дПВТЩК" and mostly upper-case prose count against a reading. (All-caps text read rightly loses little.)
    """
    text = text[:FIT_SAMPLE]
    lower = text.lower()
    n_letters = len(_RU_LETTER.findall(lower))
    if n_letters < 20:
        return None
    n_alpha = len(_ALPHA.findall(text))
    common = sum(lower.count(c) for c in _COMMON_RU)
    frequency = common / n_letters * (n_letters / n_alpha)
    upper = len(_UPPER.findall(text)) / n_alpha
    words = _WORD.findall(text)
    odd = len(_ODD.findall(text)) / max(1, len(words))
    return frequency - 0.5 * odd - 0.3 * max(0.0, upper - 0.5)


def _better_cyrillic(data: bytes, codec: str) -> tuple[str, float, float] | None:
    """(a Cyrillic charset that reads as Russian far better than `codec`, its fit, codec's fit) or None."""
    if codec not in CYRILLIC_FAMILY:
        return None
    sample = data[: FIT_SAMPLE * 2]
    own = russian_fit(sample.decode(codec, errors="replace"))
    if own is not None and own >= CLEARLY_RUSSIAN:
        return None
    fits = {c: russian_fit(sample.decode(c, errors="replace")) or 0.0 for c in CYRILLIC_FAMILY if c != codec}
    best = max(fits, key=lambda c: fits[c])
    if own is None:  # read with `codec` it has no Cyrillic letters at all (e.g. KOI8-R read as cp866: box drawing)
        return (best, fits[best], 0.0) if fits[best] >= CLEARLY_RUSSIAN else None
    return (best, fits[best], own) if fits[best] > own + 0.15 else None


def _strict_ok(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _mess(data: bytes, codec: str) -> float | None:
    try:
        text = data[:SAMPLE].decode(codec, errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start < len(data[:SAMPLE]) - 4:  # a multi-byte char cut by the sample is not a failure
            return None
        text = data[: exc.start].decode(codec)
    return mess_ratio(text, maximum_threshold=1.0)


def _detect(data: bytes) -> tuple[str, float] | None:
    """charset-normalizer's guess; a Cyrillic single-byte charset that reads the bytes as clean Russian wins over a
    guess outside that family (short Russian texts are otherwise sometimes taken for Japanese or Greek)."""
    best = from_bytes(data[:SAMPLE]).best()
    codec = (normalise(best.encoding) or best.encoding) if best is not None else None
    codec = PREFERRED.get(codec, codec) if codec else None
    if codec not in CYRILLIC_FAMILY:
        scored = []
        for c in CYRILLIC_FAMILY:
            fit = russian_fit(data[:SAMPLE].decode(c, errors="replace"))
            mess = _mess(data, c)
            if fit is not None and mess is not None and mess <= GARBLED:
                scored.append((fit, -mess, c))
        if scored:
            fit, neg_mess, c = max(scored)
            return c, -neg_mess
    if codec is None or best is None:
        return None
    return codec, float(best.chaos)


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
            if codec in CYRILLIC_FAMILY and _strict_ok(data, codec):
                fit = russian_fit(data[: FIT_SAMPLE * 2].decode(codec, errors="replace"))
                if fit is not None and fit >= CLEARLY_RUSSIAN:  # the common case, decided without the slower checks
                    return Decoded(data.decode(codec), codec, f"declared {codec}; the text reads as Russian "
                                   f"(letter-frequency fit {fit:.2f})")
            mess = _mess(data, codec)
            if mess is not None and len(data[:SAMPLE].translate(None, _HIGH)) > min(len(data), SAMPLE) - 16:
                return Decoded(data.decode(codec, errors="replace"), codec,
                               f"declared {codec}; too little non-ASCII text to doubt the label")
            better = _better_cyrillic(data, codec) if mess is not None else None
            if better is not None:
                other, fit, own = better
                why = (f"declared {codec}, but the text decoded with it is not Russian: its letter frequencies fit "
                       f"{other} ({fit:.2f}) far better than {codec} ({own:.2f})")
                found = _detect(data)
                if found is not None and found[0] == other:
                    why += f"; charset-normalizer detected {other} (mess {found[1]:.2f})"
                return Decoded(data.decode(other, errors="replace"), other, why, True)
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
    rejected = declared is not None and bool(declared.strip())
    try:
        return Decoded(data.decode("utf-8"), "utf-8", f"{why}; the bytes are valid UTF-8", rejected)
    except UnicodeDecodeError:
        pass
    found = _detect(data)
    if found is not None:
        guess, chaos = found
        try:
            text = data.decode(guess, errors="replace")
            return Decoded(text, guess, f"{why}; charset-normalizer detected {guess} (mess {chaos:.2f})", rejected)
        except LookupError:
            pass
    text = data.decode(codec or "utf-8", errors="replace")
    return Decoded(
        text, codec or "utf-8", f"{why}; no charset fits, decoded as {codec or 'utf-8'} with replacement characters",
        rejected,
    )
