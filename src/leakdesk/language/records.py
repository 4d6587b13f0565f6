"""Reading and writing translations in the store: dispatch texts, translations, versioned segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import TranslationError
from leakdesk.language.langid import guess_language
from leakdesk.language.segment import join_paragraphs
from leakdesk.store.tables import dispatch, segment, text, translation

STATUSES = ("draft", "in review", "final")
TEXT_PREFERENCE = ("decrypted", "body", "attachment")


def now() -> datetime:
    return datetime.now(UTC)


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


def new_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise TranslationError("The database did not return the id of the new row.")
    return int(key[0])


def parse_dispatch_id(value: str | int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TranslationError(f"{value!r} is not a dispatch number; see `leakdesk dispatches CASE`.") from None


def source_text(conn: sa.Connection, dispatch_id: int, languages: list[str]) -> SourceText:
    """The text of a dispatch that gets translated: decrypted, else body, else its first text."""
    row = conn.execute(sa.select(dispatch).where(dispatch.c.id == dispatch_id)).first()
    if row is None:
        raise TranslationError(f"There is no dispatch {dispatch_id} in this case.")
    label = f"dispatch {dispatch_id}" + (f" (“{row.subject}”)" if row.subject else "")
    texts = conn.execute(sa.select(text).where(text.c.dispatch_id == dispatch_id).order_by(text.c.id)).all()
    texts = [t for t in texts if t.content and t.content.strip()]
    if not texts:
        raise TranslationError(f"{label[:1].upper()}{label[1:]} has no text to translate.")
    texts.sort(key=lambda t: TEXT_PREFERENCE.index(t.role) if t.role in TEXT_PREFERENCE else len(TEXT_PREFERENCE))
    chosen = texts[0]
    language = chosen.language or row.language or guess_language(chosen.content, languages) or languages[0]
    variant = row.variant_of is not None or conn.execute(
        sa.select(dispatch.c.id).where(dispatch.c.variant_of == dispatch_id).limit(1)
    ).first() is not None
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
    stamp = now()
    translation_id = new_id(
        conn.execute(
            translation.insert().values(
                dispatch_id=source.dispatch_id,
                text_id=source.text_id,
                source_language=source.language,
                target_language=target_language,
                kind=kind,
                engine=engine,
                model=model,
                translator=translator,
                status="draft",
                version=1,
                round=1,
                final_version=None,
                confidence=confidence,
                details=details or {},
                created=stamp,
                updated=stamp,
            )
        )
    )
    conn.execute(
        segment.insert(),
        [
            {
                "translation_id": translation_id,
                "position": s.position,
                "version": 1,
                "paragraph": s.paragraph,
                "source": s.source,
                "target": s.target,
                "source_sentences": s.source_sentences,
                "target_sentences": s.target_sentences,
                "confidence": s.confidence,
                "origin": s.origin,
                "author": s.author,
                "created": stamp,
            }
            for s in segments
        ],
    )
    return int(translation_id)


def latest_translation_id(conn: sa.Connection, dispatch_id: int) -> int:
    found = conn.execute(
        sa.select(translation.c.id).where(translation.c.dispatch_id == dispatch_id).order_by(translation.c.id.desc())
    ).first()
    if found is None:
        raise TranslationError(
            f"Dispatch {dispatch_id} has no translation yet; make a draft with `leakdesk translate CASE "
            f"{dispatch_id}` or import one with `--import FILE`."
        )
    return int(found.id)


def segments_at(conn: sa.Connection, translation_id: int, version: int) -> list[Segment]:
    """Each position's newest segment row at or before `version`."""
    rows = conn.execute(
        sa.select(segment)
        .where(segment.c.translation_id == translation_id, segment.c.version <= version)
        .order_by(segment.c.position, segment.c.version)
    ).all()
    by_position: dict[int, Any] = {}
    for row in rows:
        by_position[row.position] = row
    return [
        Segment(
            r.position,
            r.paragraph,
            r.source,
            r.target,
            r.confidence,
            r.origin,
            r.version,
            r.author,
            r.source_sentences,
            r.target_sentences,
        )
        for _, r in sorted(by_position.items())
    ]


def load_translation(conn: sa.Connection, translation_id: int, version: int | None = None) -> TranslationView:
    row = conn.execute(sa.select(translation).where(translation.c.id == translation_id)).first()
    if row is None:
        raise TranslationError(f"There is no translation {translation_id} in this case.")
    if version is not None and not 1 <= version <= row.version:
        raise TranslationError(
            f"Translation {translation_id} of dispatch {row.dispatch_id} has versions 1 to {row.version}; "
            f"there is no version {version}."
        )
    view = TranslationView(
        row.id,
        row.dispatch_id,
        row.source_language,
        row.target_language,
        row.kind,
        row.engine,
        row.model,
        row.translator,
        row.status,
        row.version,
        row.round,
        row.final_version,
        row.confidence,
        row.details or {},
    )
    view.segments = segments_at(conn, translation_id, version or row.version)
    return view


def list_translations(conn: sa.Connection, dispatch_id: int) -> list[dict[str, Any]]:
    """Every translation of a dispatch, oldest first (imports and drafts never replace each other)."""
    rows = conn.execute(
        sa.select(translation).where(translation.c.dispatch_id == dispatch_id).order_by(translation.c.id)
    ).all()
    return [
        {
            "translation": r.id,
            "kind": r.kind,
            "by": r.translator if r.kind == "human" else f"{r.engine} {r.model or ''}".strip(),
            "status": r.status,
            "version": r.version,
            "round": r.round,
            "confidence": r.confidence,
            "created": r.created,
        }
        for r in rows
    ]
