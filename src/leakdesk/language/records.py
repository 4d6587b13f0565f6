"""The language capability's view of translations: the source text of a dispatch, translations and versioned
segments, read and written through the record layer (`store.records.translations`, `store.records.dispatches`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord, TranslationError
from leakdesk.language.langid import guess_language
from leakdesk.language.segment import join_paragraphs
from leakdesk.store.records import dispatches as dispatch_records
from leakdesk.store.records import translations as translation_records
from leakdesk.store.records.common import parse_dispatch_id as parse_number

STATUSES = ("draft", "in review", "final")
TEXT_PREFERENCE = dispatch_records.ORIGINAL_ROLES


@dataclass
class SourceText:
    dispatch_id: int
    text_id: int
    language: str
    content: str
    label: str  # how a journalist recognises the letter: "dispatch 3 (“Subject”)"
    variant: bool = False  # one of two different copies sharing a Message-ID

    @property
    def sentence_label(self) -> str:
        """The label capitalised, to start a sentence."""
        return self.label[:1].upper() + self.label[1:]


@dataclass
class Segment:
    position: int
    paragraph: int
    source: str
    target: str
    confidence: float | None
    origin: str
    version: int
    author: str
    source_sentences: int = 1
    target_sentences: int = 1

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "confidence": self.confidence}


@dataclass
class TranslationView:
    id: int
    dispatch_id: int
    source_language: str
    target_language: str
    kind: str
    engine: str | None
    model: str | None
    translator: str | None
    status: str
    version: int
    round: int
    final_version: int | None
    confidence: float | None
    details: dict[str, Any]
    segments: list[Segment] = field(default_factory=list)

    def target_text(self) -> str:
        """The translation reassembled: sentences of a paragraph joined, paragraphs as in the original."""
        return join_paragraphs([(s.paragraph, s.target) for s in self.segments])

    def as_json(self) -> dict[str, Any]:
        return {
            "translation": self.id,
            "dispatch": self.dispatch_id,
            "from": self.source_language,
            "to": self.target_language,
            "kind": self.kind,
            "engine": self.engine,
            "model": self.model,
            "translator": self.translator,
            "status": self.status,
            "version": self.version,
            "round": self.round,
            "confidence": self.confidence,
            "details": self.details,
            "segments": [s.as_json() for s in self.segments],
            "text": self.target_text(),
        }


def parse_dispatch_id(value: str | int) -> int:
    """A dispatch number as typed; the record layer's one "No such dispatch" error otherwise."""
    return parse_number(value)


def source_text(conn: sa.Connection, dispatch_id: int, languages: list[str]) -> SourceText:
    """The text of a dispatch that gets translated: *the* original text (the record layer's one preference order)."""
    row = dispatch_records.get(conn, dispatch_id)
    label = f"dispatch {dispatch_id}" + (f" (“{row.subject}”)" if row.subject else "")
    chosen = dispatch_records.original_text(conn, dispatch_id)
    if chosen is None:
        raise TranslationError(f"{label[:1].upper()}{label[1:]} has no text to translate.")
    language = chosen.language or row.language or guess_language(chosen.content, languages) or languages[0]
    variant = dispatch_records.in_variant_pair(conn, dispatch_id)
    return SourceText(dispatch_id, chosen.id, language, chosen.content, label, variant)


def target_language_for(source_language: str, languages: list[str], requested: str | None = None) -> str:
    if requested:
        return requested
    others = [code for code in languages if code != source_language]
    return others[0] if others else "en"


def create_translation(
    conn: sa.Connection,
    source: SourceText,
    target_language: str,
    kind: str,
    segments: list[Segment],
    *,
    engine: str | None = None,
    model: str | None = None,
    translator: str | None = None,
    confidence: float | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Store a new translation at version 1; earlier translations of the dispatch stay untouched."""
    return translation_records.create(
        conn, source.dispatch_id, source.text_id, source.language, target_language, kind,
        [translation_records.Segment(s.position, s.paragraph, s.source, s.target, s.confidence, s.origin, 1,
                                     s.author, s.source_sentences, s.target_sentences) for s in segments],
        engine=engine, model=model, translator=translator, confidence=confidence, details=details,
    )


def current_translation_id(conn: sa.Connection, dispatch_id: int) -> int:
    """*The* current translation of a dispatch (the record layer's one rule: final > in review > draft, human
    before machine), which the translation commands show and act on."""
    dispatch_records.get(conn, dispatch_id)  # the one error for a dispatch that is not in the case
    found = translation_records.current_ids(conn, {dispatch_id}).get(dispatch_id)
    if found is None:
        raise TranslationError(
            f"Dispatch {dispatch_id} has no translation yet; make a draft with `leakdesk translation draft CASE "
            f"{dispatch_id}` or import one with `--import FILE`."
        )
    return found[0]


def _segment(s: translation_records.Segment) -> Segment:
    return Segment(s.position, s.paragraph, s.source, s.target, s.confidence, s.origin, s.version, s.author,
                   s.source_sentences, s.target_sentences)


def segments_at(conn: sa.Connection, translation_id: int, version: int) -> list[Segment]:
    """Each position's newest segment row at or before `version`."""
    return [_segment(s) for s in translation_records.segments_at(conn, translation_id, version)]


def load_translation(conn: sa.Connection, translation_id: int, version: int | None = None) -> TranslationView:
    try:
        found = translation_records.get(conn, translation_id, version)
    except NoSuchRecord as exc:
        raise TranslationError(str(exc).replace("No such translation", "There is no translation")) from None
    return TranslationView(
        found.id, found.dispatch_id, found.source_language, found.target_language, found.kind, found.engine,
        found.model, found.translator, found.status, found.version, found.round, found.final_version,
        found.confidence, found.details, [_segment(s) for s in found.segments],
    )


def list_translations(conn: sa.Connection, dispatch_id: int) -> list[dict[str, Any]]:
    """Every translation of a dispatch, oldest first (imports and drafts never replace each other)."""
    return [
        {"translation": r.id, "kind": r.kind, "by": r.translator if r.kind == "human" else
         f"{r.engine} {r.model or ''}".strip(), "status": r.status, "version": r.version, "round": r.round,
         "confidence": r.confidence, "created": r.created}
        for r in translation_records.of_dispatch(conn, dispatch_id)
    ]
