"""Language identification for every capability: lingua restricted to the case's languages, built once.

Building a lingua detector is slow and each one holds its models in memory, so there is one cache here, keyed by the
set of languages, shared by intake (a language per text), the translation desk (checking an imported file) and
claims (routing paragraphs to the right entity model).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

SAMPLE_CHARS = 3000  # lingua is accurate well before this; long texts are judged on their start
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[A-Za-z]")
CYRILLIC_LANGUAGES = {"ru", "uk", "bg", "sr", "be", "mk", "kk"}
NAMES = {"ru": "Russian", "en": "English", "uk": "Ukrainian", "de": "German", "fr": "French", "es": "Spanish",
         "ja": "Japanese", "zh": "Chinese", "be": "Belarusian", "kk": "Kazakh"}

_lock = threading.Lock()
_detectors: dict[tuple[str, ...], Any] = {}


def language_name(code: str) -> str:
    return NAMES.get(code, code)


def code_of(language: Any) -> str:
    """ISO 639-1 code of a lingua `Language`."""
    return str(language.iso_code_639_1.name.lower())


def detector(languages: Sequence[str]) -> Any:
    """The lingua detector for these languages (at least two: a single-language case gets ru+en)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    key = tuple(sorted({lang.lower() for lang in languages}))
    with _lock:
        if key not in _detectors:
            codes = [getattr(IsoCode639_1, c.upper()) for c in key if hasattr(IsoCode639_1, c.upper())]
            for extra in (IsoCode639_1.RU, IsoCode639_1.EN):
                if len(codes) < 2 and extra not in codes:
                    codes.append(extra)
            _detectors[key] = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
        return _detectors[key]


def detect_languages(texts: Sequence[str], languages: Sequence[str]) -> list[str | None]:
    """ISO 639-1 code per text, or None when there is no text to judge or the language is not among `languages`."""
    samples = [t[:SAMPLE_CHARS] for t in texts]
    wanted = {lang.lower() for lang in languages}
    todo = [i for i, s in enumerate(samples) if any(c.isalpha() for c in s)]
    out: list[str | None] = [None] * len(texts)
    if not todo:
        return out
    # When only one of the case's languages is written in the text's script (Russian + English: the usual desk),
    # the script decides and lingua is not needed; lingua decides between languages that share a script.
    ambiguous = []
    for i in todo:
        by_script = _only_language_of_script(samples[i], wanted)
        if by_script:
            out[i] = by_script
        else:
            ambiguous.append(i)
    if ambiguous:
        found = detector(languages).detect_languages_in_parallel_of([samples[i] for i in ambiguous])
        for i, lang in zip(ambiguous, found, strict=True):
            if lang is not None:
                code = code_of(lang)
                out[i] = code if code in wanted else None
    return out


_CYRILLIC_LEAD = b"\xd0\xd1\xd2\xd3"  # in UTF-8, every character U+0400-U+04FF starts with one of these bytes
_NOT_LATIN = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))


def script_counts(text: str) -> tuple[int, int]:
    """(Cyrillic letters U+0400-U+04FF, Latin letters A-Z a-z), counted on the UTF-8 bytes (in C, not per match)."""
    data = text.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, _CYRILLIC_LEAD)), len(data.translate(None, _NOT_LATIN))


def _only_language_of_script(text: str, wanted: set[str]) -> str | None:
    """The one wanted language written in the text's dominant script (Cyrillic or Latin), if exactly one is."""
    cyr, lat = script_counts(text)
    if cyr + lat < 20 or min(cyr, lat) > 0.2 * (cyr + lat):  # too little text, or mixed: let lingua judge
        return None
    candidates = [c for c in wanted if c in NAMES and (c in CYRILLIC_LANGUAGES) == (cyr > lat)]
    return candidates[0] if len(candidates) == 1 else None


def guess_language(text: str, candidates: list[str] | None = None) -> str | None:
    """The text's language among `candidates`, script first (cheap), lingua within a script; None if too few letters."""
    cyr, lat = len(CYRILLIC.findall(text)), len(LATIN.findall(text))
    if cyr + lat < 3:
        return None
    candidates = candidates or ["ru", "en"]
    same_script = [c for c in candidates if (c in CYRILLIC_LANGUAGES) == (cyr > lat)]
    if len(same_script) <= 1:
        return same_script[0] if same_script else ("ru" if cyr > lat else "en")
    found = detector(same_script).detect_language_of(text[:SAMPLE_CHARS])
    return code_of(found) if found else same_script[0]
