"""Language of extracted texts: lingua, restricted to the case's languages, built once (building is slow)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

SAMPLE_CHARS = 500  # lingua is reliable at this length; its cost grows linearly with the sample
_lock = threading.Lock()
_detectors: dict[tuple[str, ...], object] = {}


def _detector(languages: Sequence[str]):  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    key = tuple(sorted({lang.lower() for lang in languages}))
    with _lock:
        if key not in _detectors:
            codes = []
            for lang in key:
                try:
                    codes.append(IsoCode639_1.from_str(lang))
                except ValueError:
                    continue
            if len(codes) < 2:  # lingua needs two; a single-language case still gets "is it that language"
                codes.append(IsoCode639_1.EN if "en" not in key else IsoCode639_1.RU)
            _detectors[key] = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
        return _detectors[key]


def detect_languages(texts: Sequence[str], languages: Sequence[str]) -> list[str | None]:
    """ISO 639-1 code per text, or None when there is no text to judge or the language is not among `languages`."""
    if not texts:
        return []
    samples = [t[:SAMPLE_CHARS] for t in texts]
    wanted = {lang.lower() for lang in languages}
    todo = [i for i, s in enumerate(samples) if any(c.isalpha() for c in s)]
    out: list[str | None] = [None] * len(texts)
    if not todo:
        return out
    detector = _detector(languages)
    if len(todo) > 8:  # lingua's thread pool only pays off for batches
        found = detector.detect_languages_in_parallel_of([samples[i] for i in todo])  # type: ignore[attr-defined]
    else:
        found = [detector.detect_language_of(samples[i]) for i in todo]  # type: ignore[attr-defined]
    for i, lang in zip(todo, found, strict=True):
        if lang is not None:
            code = lang.iso_code_639_1.name.lower()
            out[i] = code if code in wanted else None
    return out
