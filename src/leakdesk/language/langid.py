"""A cheap, offline language guess for the pairs the desk handles (script first, lingua for Latin-script text)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[A-Za-z]")
NAMES = {"ru": "Russian", "en": "English", "uk": "Ukrainian", "de": "German", "fr": "French", "es": "Spanish"}


def language_name(code: str) -> str:
    return NAMES.get(code, code)


def guess_language(text: str, candidates: list[str] | None = None) -> str | None:
    """ISO 639-1 code of the text's language, or None when there are too few letters to tell."""
    cyr = len(CYRILLIC.findall(text))
    lat = len(LATIN.findall(text))
    if cyr + lat < 3:
        return None
    candidates = candidates or ["ru", "en"]
    if cyr > lat:
        cyrillic = [c for c in candidates if c in {"ru", "uk", "bg", "sr", "be", "mk"}]
        if len(cyrillic) <= 1:
            return cyrillic[0] if cyrillic else "ru"
        return _lingua(text, cyrillic) or cyrillic[0]
    latin = [c for c in candidates if c not in {"ru", "uk", "bg", "sr", "be", "mk"}]
    if len(latin) <= 1:
        return latin[0] if latin else "en"
    return _lingua(text, latin) or latin[0]


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    isos = [getattr(IsoCode639_1, c.upper()) for c in codes if hasattr(IsoCode639_1, c.upper())]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*isos).build() if len(isos) > 1 else None


def _lingua(text: str, codes: list[str]) -> str | None:
    detector = _detector(tuple(sorted(codes)))
    if detector is None:
        return None
    found = detector.detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found else None
