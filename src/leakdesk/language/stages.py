"""The language capability's pipeline stages: language of each original text, machine drafts of letters."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from leakdesk.errors import TranslationError
from leakdesk.store.records import dispatches, provenance, translations
from leakdesk.store.records.provenance import Stage, content_hash, item_id

LANGUAGE_VERSION = "langid-1"
DRAFTS_VERSION = "drafts-1"


# ----------------------------------------------------------------------------------------------- language id


def _original_texts(case: Any, conn: sa.Connection) -> list[str]:
    out = []
    for d in dispatches.find(conn):
        original = dispatches.original_text(conn, d.id)
        if original is not None:
            out.append(f"text:{original.id}")
    return out


def _language_inputs(case: Any, conn: sa.Connection, item: str) -> Any:
    found = dispatches.text_by_id(conn, item_id(item))
    return {"content": content_hash(found.content) if found else None, "languages": list(case.settings.languages)}


def identify_language(case: Any, item: str) -> dict[str, Any]:
    """Find the language of one original text (the shared identifier); keep what intake already recorded."""
    from leakdesk.language.langid import guess_language

    with case.transaction() as conn:
        found = dispatches.text_by_id(conn, item_id(item))
        if found is None:
            raise TranslationError(f"The text {item} is no longer in the case.")
        if found.language:
            return {"language": found.language, "kept": True}
        language = guess_language(found.content, list(case.settings.languages))
        if language is None:
            return {"language": None, "reason": "too few letters to tell"}
        dispatches.set_text_language(conn, found.id, language)
        case.audit(conn, "language.identify", item, {"language": language, "version": LANGUAGE_VERSION})
    return {"language": language}


# ----------------------------------------------------------------------------------------------- drafts


def _target(case: Any, source_language: str) -> str:
    others = [c for c in case.settings.languages if c != source_language]
    return others[0] if others else "en"


def _pairs_with_a_model() -> set[tuple[str, str]]:
    from leakdesk.language.translate.models import list_models

    return {(m.from_code, m.to_code) for m in list_models()}


def _letters_to_draft(case: Any, conn: sa.Connection) -> list[str]:
    """Letters with an original in one language, no translation yet, and an installed model for the pair."""
    pairs = _pairs_with_a_model()
    if not pairs:
        return []
    out = []
    for d in dispatches.find(conn, top_level=True):
        original = dispatches.original_text(conn, d.id)
        language = original.language or d.language if original else None
        if original is None or not language or (language, _target(case, language)) not in pairs:
            continue
        if translations.newest_id(conn, d.id) is None:
            out.append(f"dispatch:{d.id}")
    return out


def _draft_inputs(case: Any, conn: sa.Connection, item: str) -> Any:
    original = dispatches.original_text(conn, item_id(item))
    return {"text": original.id if original else None,
            "content": content_hash(original.content) if original else None,
            "language": provenance.upstream(conn, "language-id", f"text:{original.id}") if original else None}


def draft(case: Any, item: str) -> dict[str, Any]:
    """A machine draft of one letter with the installed model (translation memory first)."""
    from leakdesk.language.drafts import draft_translation
    from leakdesk.language.translate.local import LocalEngine
    from leakdesk.language.translate.models import find_model

    view = draft_translation(case, item_id(item), lambda src, tgt: LocalEngine(find_model(src, tgt)))
    return {"translation": view.id, "segments": len(view.segments)}


STAGES = [
    Stage("language-id", LANGUAGE_VERSION, reads=("text",), writes=("text.language", "dispatch.language"),
          items=_original_texts, inputs=_language_inputs, run=identify_language,
          description="the language of each dispatch's original text"),
    Stage("translation-drafts", DRAFTS_VERSION, reads=("text", "translation", "segment"),
          writes=("translation", "segment"), items=_letters_to_draft, inputs=_draft_inputs, run=draft,
          description="machine drafts of untranslated letters (needs an installed model)"),
]
