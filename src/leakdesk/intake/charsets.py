"""Turn bytes into text, recording which charset was used and why.

Leaked Russian mail arrives in UTF-8, windows-1251, KOI8-R, cp866 and ISO-8859-5, often with a wrong label. A single
byte Cyrillic text decodes without error in almost any single byte charset, so "it decoded" proves nothing: the
declared charset is kept only when the decoded text does not look garbled (charset-normalizer's mess ratio);
otherwise the charset is detected and the reason recorded.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

GARBLED = 0.2  # mess ratio above which a decoding is considered wrong
SAMPLE = 64 * 1024  # bytes looked at when judging or detecting a charset
# Aliases mail software writes that Python does not know.
ALIASES = {"x-mac-cyrillic": "mac_cyrillic", "koi8r": "koi8_r", "win-1251": "cp1251", "windows-1251": "cp1251",
           "x-cp1251": "cp1251", "cp-866": "cp866", "ibm866": "cp866", "unicode-1-1-utf-7": "utf_7",
           "ks_c_5601-1987": "cp949", "iso-8859-8-i": "iso8859_8", "iso-8859-8-e": "iso8859_8",
           "iso-8859-6-i": "iso8859_6", "iso-8859-6-e": "iso8859_6",
           "x-unknown": "", "unknown-8bit": "", "x-user-defined": ""}
# When several charsets give the same text, report the one people know.
PREFERRED = {"cp1125": "cp866"}


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str
    reason: str
    rejected: bool = False  # a charset was declared and did not fit (unknown, invalid or garbled)
    replaced: int = 0  # byte sequences that were not valid and became U+FFFD


@lru_cache(maxsize=512)
def normalise(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when the label is missing or unknown (looked up once per
    label: a mailbox repeats a handful)."""
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


_RU_LOWER = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_NOT_ALPHA = re.compile(r"[\W\d_]+")


def russian_fit(text: str) -> float | None:
    """How much `text` looks like Russian (about 0.6 for real prose), None if it has too few Cyrillic letters.

    Single-byte Cyrillic charsets map letters onto each other, so a text read in the wrong one is a substitution
    cipher of Russian: valid letters, wrong frequencies. KOI8-R and windows-1251 also swap letter case, so words
    like "дПВТЩК" and mostly upper-case prose count against a reading. (All-caps text read rightly loses little.)
    Counting is done with str.count (this runs on every Cyrillic letter ingested).
    """
    text = text[:FIT_SAMPLE]
    lower = text.lower()
    n_letters = sum(map(lower.count, _RU_LOWER))
    if n_letters < 20:
        return None
    n_alpha = len(_NOT_ALPHA.sub("", text))
    common = sum(map(lower.count, _COMMON_RU))
    frequency = common / n_letters * (n_letters / n_alpha)
    upper = sum(1 for _ in _UPPER.finditer(text)) / n_alpha
    n_words = sum(1 for _ in _WORD.finditer(text))
    odd = sum(1 for _ in _ODD.finditer(text)) / max(1, n_words)
    return frequency - 0.5 * odd - 0.3 * max(0.0, upper - 0.5)


class _ByteTable:
    """The bytes of one single-byte Cyrillic charset sorted by what `russian_fit` counts, so that the fit of a
    reading can be counted on the bytes (bytes.translate runs in C) instead of on the decoded text."""

    def __init__(self, codec: str) -> None:
        chars = [bytes([b]).decode(codec, errors="replace") for b in range(256)]
        every = bytes(range(256))

        def failing(test: object) -> bytes:  # deleted by translate, they leave the bytes that pass `test`
            return bytes(b for b in every if not test(chars[b]))  # type: ignore[operator]

        self.not_letter = failing(lambda ch: ch.lower() in _RU_LOWER and len(ch.lower()) == 1)
        self.not_common = failing(lambda ch: ch.lower() in _COMMON_RU)
        self.not_alpha = failing(lambda ch: _ALPHA.match(ch) is not None)
        self.not_upper = failing(lambda ch: _UPPER.match(ch) is not None)
        lower = bytes(b for b in every if _ALPHA.match(chars[b]) and not _UPPER.match(chars[b]))
        upper = bytes(b for b in every if _UPPER.match(chars[b]))
        # Every word `_ODD` finds holds a non-upper letter followed by an upper one: without such a pair, odd is 0.
        # Each byte is mapped to its class ("l" lower letter, "U" upper, "." anything else) and the pair is looked
        # for with bytes.find (both in C: a regex of two large byte classes tries every position in Python's engine).
        classes = bytearray(b"." * 256)
        for b in lower:
            classes[b] = ord("l")
        for b in upper:
            classes[b] = ord("U")
        self.classes = bytes(classes)

    def case_flip(self, sample: bytes) -> bool:
        """True when a lower-case letter is followed by an upper-case one somewhere in `sample`."""
        return sample.translate(self.classes).find(b"lU") >= 0


@lru_cache(maxsize=8)
def _byte_table(codec: str) -> _ByteTable:
    return _ByteTable(codec)


def fit_of_bytes(data: bytes, codec: str) -> float | None:
    """`russian_fit(data.decode(codec, errors="replace"))` for a Cyrillic single-byte `codec`, counted on the bytes;
    the text is decoded and judged only when a word may have its case flipped inside (rare in real prose)."""
    sample = data[:FIT_SAMPLE]
    table = _byte_table(codec)
    if table.case_flip(sample):
        return russian_fit(sample.decode(codec, errors="replace"))
    n_letters = len(sample.translate(None, table.not_letter))
    if n_letters < 20:
        return None
    n_alpha = len(sample.translate(None, table.not_alpha))
    common = len(sample.translate(None, table.not_common))
    frequency = common / n_letters * (n_letters / n_alpha)
    upper = (len(sample.translate(None, table.not_upper))) / n_alpha
    return frequency - 0.5 * 0.0 - 0.3 * max(0.0, upper - 0.5)


def _better_cyrillic(data: bytes, codec: str) -> tuple[str, float, float] | None:
    """(a Cyrillic charset that reads as Russian far better than `codec`, its fit, codec's fit) or None."""
    if codec not in CYRILLIC_FAMILY:
        return None
    sample = data[: FIT_SAMPLE * 2]
    own = fit_of_bytes(sample, codec)
    if own is not None and own >= CLEARLY_RUSSIAN:
        return None
    fits = {c: fit_of_bytes(sample, c) or 0.0 for c in CYRILLIC_FAMILY if c != codec}
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
    from charset_normalizer.md import mess_ratio  # imported when first needed: most letters never need it

    return mess_ratio(text, maximum_threshold=1.0)


# Among guesses that read the bytes equally well, the charset mail most often uses wins.
USUAL = ("utf-8", "cp1252", "iso8859-1", "cp1251", "koi8-r", "iso8859-15", "cp1250", "iso8859-2", "gbk", "big5",
         "cp932", "euc_jp", "cp949", "iso8859-8", "cp1255", "iso8859-7", "cp1253", "cp1256", "iso8859-9", "cp1254")


def _best_guess(data: bytes) -> tuple[str, float] | None:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:SAMPLE]))
    if not matches:
        return None
    least = min(float(m.chaos) for m in matches)
    close = [m for m in matches if float(m.chaos) <= least + 0.005]
    most = max(float(m.coherence) for m in close)
    tied = [PREFERRED.get(c, c) for m in close if float(m.coherence) >= most - 0.1
            for c in [normalise(m.encoding) or m.encoding]]
    usual = [c for c in USUAL if c in tied]
    return (usual[0] if usual else tied[0]), least


def _other_script(data: bytes, codec: str) -> bool:
    """True when `codec` reads the bytes cleanly as letters of a script other than Latin or Cyrillic (Hebrew, Greek,
    Arabic, CJK): switching such a reading to Cyrillic needs strong evidence."""
    try:
        text = data[:FIT_SAMPLE].decode(codec, errors="strict" if single_byte(codec) else "ignore")
    except (UnicodeDecodeError, LookupError):
        return False
    letters = [ord(ch) for ch in text if ord(ch) > 0x24F and ch.isalpha()]
    other = sum(1 for o in letters if not 0x400 <= o <= 0x52F)
    return bool(letters) and other * 2 > len(letters)


def _detect(data: bytes) -> tuple[str, float] | None:
    """charset-normalizer's guess; a Cyrillic single-byte charset that reads the bytes as clean Russian wins over a
    guess outside that family (short Russian texts are otherwise sometimes taken for Japanese or Greek), but a clean
    multi-byte reading (Chinese, Japanese, Korean) is not given up for Cyrillic on weak evidence."""
    best = _best_guess(data)
    codec = best[0] if best is not None else None
    if codec not in CYRILLIC_FAMILY:
        needed = CLEARLY_RUSSIAN if codec is not None and _other_script(data, codec) else 0.0
        scored = []
        for c in CYRILLIC_FAMILY:
            fit = fit_of_bytes(data, c)
            mess = _mess(data, c)
            if fit is not None and fit >= needed and mess is not None and mess <= GARBLED:
                scored.append((fit, -mess, c))
        if scored:
            fit, neg_mess, c = max(scored)
            return c, -neg_mess
    return best


SEVEN_BIT = ("iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_3", "iso2022_jp_ext", "iso2022_kr", "utf-7",
             "hz")
_ISO2022_JP_ESC = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D")
# Labels mail software writes for a charset whose superset is what is really sent (GBK text labelled GB2312).
SUPERSET = {"gb2312": "gbk", "shift_jis": "cp932", "euc_kr": "cp949"}
FEW_BAD = 20  # at most one bad sequence per this many well-decoded non-ASCII characters counts as "a few"
PLAINLY_WRONG = 0.4  # a declared single-byte charset reading this garbled may be replaced by a clear guess


@lru_cache(maxsize=64)
def single_byte(codec: str) -> bool:
    """True for charsets mapping each byte to one character (any bytes "decode", so decoding proves nothing)."""
    try:
        return len(bytes(range(256)).decode(codec, errors="replace").replace("\ufffd", "")) >= 200
    except LookupError:
        return False


def _replaced(data: bytes, codec: str) -> tuple[str, int, int]:
    """(text with replacement characters, bad sequences, well-decoded non-ASCII characters)."""
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text, bad, good


def _seven_bit(data: bytes, codec: str | None) -> Decoded | None:
    """ISO-2022-JP, UTF-7 and HZ are written in ASCII bytes: "it is ASCII" must not stop them being decoded."""
    if codec in SEVEN_BIT:
        try:
            return Decoded(data.decode(codec), codec, f"declared {codec}; the bytes are valid {codec}")
        except UnicodeDecodeError:
            text, bad, _good = _replaced(data, codec)
            return Decoded(text, codec, f"declared {codec}; {bad} invalid sequences were replaced", True, bad)
    if codec is None and b"\x1b" in data and any(esc in data for esc in _ISO2022_JP_ESC):
        try:
            return Decoded(data.decode("iso2022_jp"), "iso2022_jp",
                           "no charset declared; the ISO-2022-JP escape sequences decode cleanly")
        except UnicodeDecodeError:
            return None
    return None


def _clearly_russian(data: bytes) -> tuple[str, float] | None:
    """A Cyrillic single-byte charset that reads `data` as clean Russian prose, with its fit, or None."""
    best: tuple[float, str] | None = None
    for c in CYRILLIC_FAMILY:
        fit = fit_of_bytes(data, c)
        if fit is not None and fit >= CLEARLY_RUSSIAN and (best is None or fit > best[0]):
            best = (fit, c)
    if best is None or (_mess(data, best[1]) or 1.0) > GARBLED:
        return None
    return best[1], best[0]


def _declared_single_byte(data: bytes, codec: str) -> Decoded | None:
    """A declared single-byte charset: kept unless the evidence against it is strong. None means "guess"."""
    if codec in CYRILLIC_FAMILY:
        fit = fit_of_bytes(data, codec)
        if fit is not None and fit >= CLEARLY_RUSSIAN:  # the common case, decided without the slower checks
            return Decoded(data.decode(codec, errors="replace"), codec,
                           f"declared {codec}; the text reads as Russian (letter-frequency fit {fit:.2f})")
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
    if mess is not None and mess > GARBLED and codec not in CYRILLIC_FAMILY:
        russian = _clearly_russian(data)  # Russian mail labelled Latin-1 or windows-1252: strong evidence only
        if russian is not None:
            other, fit = russian
            return Decoded(data.decode(other, errors="replace"), other,
                           f"declared {codec}, but the text decoded with it looks garbled (mess {mess:.2f}) and "
                           f"reads as Russian in {other} (letter-frequency fit {fit:.2f})", True)
    if mess is not None and mess > PLAINLY_WRONG:
        return None
    text = data.decode(codec, errors="replace")
    if mess is None:
        return Decoded(text, codec, f"declared {codec}; kept, although some bytes are not valid in it", False)
    return Decoded(text, codec, f"declared {codec}; the text reads cleanly (mess {mess:.2f})"
                   if mess <= GARBLED else f"declared {codec}; kept: no other charset reads it clearly (mess "
                   f"{mess:.2f})")


def _declared(data: bytes, codec: str) -> tuple[Decoded | None, str]:
    """Trust a declared charset that decodes cleanly; keep it with replacement on a few bad bytes."""
    codec = SUPERSET.get(codec, codec)
    if single_byte(codec):
        found = _declared_single_byte(data, codec)
        return found, f"declared {codec}, but the text decoded with it looks garbled"
    try:
        return Decoded(data.decode(codec), codec, f"declared {codec}; the bytes are valid {codec}"), ""
    except UnicodeDecodeError:
        pass
    text, bad, good = _replaced(data, codec)
    if bad * FEW_BAD <= good:
        return Decoded(text, codec, f"declared {codec}; {bad} invalid byte sequence{'s' if bad > 1 else ''} "
                       "replaced (U+FFFD), the rest decodes cleanly", False, bad), ""
    name = "utf-8" if codec == "utf-8" else codec
    return None, f"declared {name}, but the bytes are not valid {'UTF-8' if codec == 'utf-8' else codec}"


def decode_text(data: bytes, declared: str | None = None) -> Decoded:
    """Decode `data`; `declared` is the label the sender gave (Content-Type charset), if any."""
    codec = normalise(declared)
    if not data:
        return Decoded("", codec or "ascii", "empty")
    if data.isascii():
        seven = _seven_bit(data, codec)
        if seven is not None:
            return seven
        return Decoded(data.decode("ascii"), codec or "ascii", "plain ASCII: every charset reads it the same way")
    if declared and declared.strip() and codec is None:
        why = f"declared charset '{declared}' is unknown"
    elif codec is not None:
        found, why = _declared(data, codec)
        if found is not None:
            return found
    else:
        why = "no charset declared"
    rejected = declared is not None and bool(declared.strip())
    try:
        return Decoded(data.decode("utf-8"), "utf-8", f"{why}; the bytes are valid UTF-8", rejected)
    except UnicodeDecodeError:
        pass
    found_guess = _detect(data)
    if found_guess is not None:
        guess, chaos = found_guess
        try:
            text = data.decode(guess, errors="replace")
            return Decoded(text, guess, f"{why}; charset-normalizer detected {guess} (mess {chaos:.2f})", rejected)
        except LookupError:
            pass
    text, bad, _good = _replaced(data, codec or "utf-8")
    return Decoded(
        text, codec or "utf-8", f"{why}; no charset fits, decoded as {codec or 'utf-8'} with replacement characters",
        rejected, bad,
    )


_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _short_penalty(text: str) -> int:
    """How unlike written words a short decoded string is: symbols, controls, words with case flipped inside."""
    odd = sum(1 for ch in text if not ch.isascii() and not ch.isalpha() and ch not in "«»–—№…")
    odd += sum(2 for ch in text if ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0)
    odd += sum(1 for w in _LETTER_RUN.findall(text) if any(c.isupper() for c in w[1:]) and any(c.islower() for c in w))
    return odd


SHORT_CANDIDATES = ("cp1251", "koi8-r", "iso8859-5", "cp866", "cp1252", "iso8859-2")


def decode_short(data: bytes, hints: Sequence[str | None] = ()) -> str:
    """A header's or file name's raw bytes: UTF-8 if valid, else the charsets the message declares, else the
    candidate that reads as words (too short for frequency statistics, so the message's own labels weigh most)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codecs_in_order: list[str] = []
    for label in (*hints, *SHORT_CANDIDATES):
        codec = normalise(label)
        if codec and codec not in ("utf-8", "ascii") and codec not in codecs_in_order:
            codecs_in_order.append(SUPERSET.get(codec, codec))
    if len(data) >= 64:
        return decode_text(data, None).text
    best: tuple[int, int, str] | None = None
    for rank, codec in enumerate(codecs_in_order):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = (_short_penalty(text) + (0 if rank < len(hints) else 1), rank, text)
        if best is None or score < best:
            best = score
    return best[2] if best is not None else data.decode("utf-8", errors="replace")
