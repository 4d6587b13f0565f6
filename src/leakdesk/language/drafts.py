"""Machine drafts: translation memory first, the engine for whatever the memory does not cover."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from leakdesk.errors import NoModelError, TranslationError
from leakdesk.language.anchors import numbers
from leakdesk.language.langid import language_name
from leakdesk.language.memory import DRAFT_THRESHOLD, load_memory
from leakdesk.language.records import (
    Segment,
    TranslationView,
    create_translation,
    load_translation,
    source_text,
    target_language_for,
)
from leakdesk.language.segment import segment
from leakdesk.language.translate.base import Engine

if TYPE_CHECKING:
    from leakdesk.case import Case

CHUNK = 32  # sentences per engine call, so long letters show progress
EngineFactory = Callable[[str, str], Engine]  # (from, to) -> engine; only called when the memory falls short


def draft_translation(
    case: Case,
    dispatch_id: int,
    engine_factory: EngineFactory | None,
    target_language: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TranslationView:
    """Write a new draft translation of a dispatch (status draft, engine and model recorded)."""
    languages = case.settings.languages
    with case.connect() as conn:
        source = source_text(conn, dispatch_id, languages)
        target = target_language_for(source.language, languages, target_language)
        if target == source.language:
            raise TranslationError(f"{source.sentence_label} is already in {language_name(target)}.")
        memory = load_memory(conn, source.language, target, exclude_dispatch=dispatch_id)
    sentences = segment(source.content, source.language)
    if not sentences:
        raise TranslationError(f"{source.sentence_label} has no sentences to translate.")
    segments: list[Segment] = []
    missing: list[int] = []
    hits = {"exact": 0, "fuzzy": 0}
    i = 0
    while i < len(sentences):
        sentence = sentences[i]
        position = len(segments)
        # A memory segment may hold two sentences (a merged bead of an earlier human translation).
        pair = sentences[i + 1] if i + 1 < len(sentences) else None
        if pair is not None and pair.paragraph == sentence.paragraph:
            joined = memory.lookup(f"{sentence.text} {pair.text}", 100.0)
            if joined:
                hits["exact"] += 1
                segments.append(
                    Segment(
                        position,
                        sentence.paragraph,
                        f"{sentence.text} {pair.text}",
                        joined.entry.target,
                        1.0,
                        "memory",
                        1,
                        "memory",
                        2,
                        1,
                    )
                )
                i += 2
                continue
        match = memory.lookup(sentence.text, DRAFT_THRESHOLD)
        if match and not match.exact and numbers(match.entry.source) != numbers(sentence.text):
            match = None  # a near match with other numbers or dates would put wrong facts into the draft
        if match and not match.exact and source.variant:
            # Two different copies share this Message-ID: a near match could paper over exactly what differs.
            hits["fuzzy_withheld"] = hits.get("fuzzy_withheld", 0) + 1
            match = None
        if match:
            hits["exact" if match.exact else "fuzzy"] += 1
            origin = "memory" if match.exact else "memory-fuzzy"
            segments.append(
                Segment(
                    position,
                    sentence.paragraph,
                    sentence.text,
                    match.entry.target,
                    round(match.score / 100, 3),
                    origin,
                    1,
                    "memory",
                )
            )
        else:
            missing.append(position)
            segments.append(Segment(position, sentence.paragraph, sentence.text, "", None, "engine", 1, "engine"))
        i += 1
    engine_name, model = "memory", None
    untranslated = 0
    engine: Engine | None = None
    if missing:
        covered = len(segments) - len(missing)
        try:
            if engine_factory is None:
                raise NoModelError("No machine translation engine was chosen.")
            engine = engine_factory(source.language, target)
        except NoModelError:
            if not covered:
                raise  # nothing in the memory either: the message says how to get a model
            # No model, but the memory covers part of the letter: keep that part, leave the rest for a translator.
            for i in missing:
                segments[i].origin, segments[i].author = "untranslated", "nobody"
            untranslated, missing = len(missing), []
    if engine is not None and missing:
        _check_pair(engine, source.language, target, source.label)
        translated: list[str] = []
        for start in range(0, len(missing), CHUNK):
            translated += engine.translate([segments[i].source for i in missing[start : start + CHUNK]])
            if progress:
                progress(len(translated), len(missing))
        for i, text in zip(missing, translated, strict=True):
            segments[i].target = text
            segments[i].author = f"{engine.name}:{engine.model}"
        engine_name, model = engine.name, engine.model
    details = {"memory_exact": hits["exact"], "memory_fuzzy": hits["fuzzy"], "engine_sentences": len(missing)}
    if untranslated:
        details["untranslated"] = untranslated  # no model installed: these sentences wait for a translator
    if hits.get("fuzzy_withheld"):
        details["fuzzy_withheld_variant"] = hits["fuzzy_withheld"]
    with case.transaction() as conn:
        translation_id = create_translation(
            conn, source, target, "machine", segments, engine=engine_name, model=model, details=details
        )
        case.audit(
            conn,
            "translation.draft",
            f"dispatch/{dispatch_id}",
            {
                "translation": translation_id,
                "engine": engine_name,
                "model": model,
                "segments": len(segments),
                **details,
            },
        )
        return load_translation(conn, translation_id)


def _check_pair(engine: Engine, source: str, target: str, label: str) -> None:
    if (engine.source_language, engine.target_language) != (source, target):
        raise TranslationError(
            f"The model {engine.model} translates {language_name(engine.source_language)} → "
            f"{language_name(engine.target_language)}, but {label} needs {language_name(source)} → "
            f"{language_name(target)}; nothing was stored."
        )
