"""Translations of dispatch texts and their versioned, aligned segments.

A translation keeps every version: `segment` holds one row per changed segment per version, so the text at
version v is, for each position, the newest segment row at or before v (`segments_at`).

*The* current translation of a dispatch (into a language) is one rule, `current`: the newest final one, else the
newest in review, else the newest draft; at the same status a human translation wins over a machine draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord
from leakdesk.store.records.common import new_id, now, require_dispatch, utc
from leakdesk.store.tables import segment, translation, translation_comment

STATUSES = ("draft", "in review", "final")
STATUS_RANK = {"final": 3, "in review": 2, "draft": 1}


@dataclass(frozen=True)
class Segment:
    """One aligned source/target pair (merged or split beads hold several sentences) at one version."""

    position: int
    paragraph: int
    source: str
    target: str
    confidence: float | None
    origin: str  # engine, memory, memory-fuzzy, human, correction
    version: int
    author: str
    source_sentences: int = 1
    target_sentences: int = 1
    id: int | None = None  # the stored row (None for a segment not stored yet)


@dataclass(frozen=True)
class Translation:
    id: int
    dispatch_id: int
    text_id: int
    source_language: str
    target_language: str
    kind: str  # machine | human
    engine: str | None
    model: str | None
    translator: str | None
    status: str  # draft | in review | final
    version: int  # newest version
    round: int
    final_version: int | None
    confidence: float | None
    details: dict[str, Any]
    created: datetime
    updated: datetime
    shown_version: int = 0  # the version `segments` are at
    segments: list[Segment] = field(default_factory=list)

    @property
    def by(self) -> str:
        """Who made it: the translator, or the engine and model."""
        if self.kind == "human":
            return self.translator or "a translator"
        return f"{self.engine or ''} {self.model or ''}".strip() or "machine"

    def target_text(self) -> str:
        """The translation reassembled: sentences of a paragraph joined by a space, paragraphs by a blank line."""
        out: list[str] = []
        last: int | None = None
        for s in self.segments:
            if not s.target:
                continue
            if last is None or s.paragraph != last:
                out.append(s.target)
                last = s.paragraph
            else:
                out[-1] = f"{out[-1]} {s.target}"
        return "\n\n".join(out)


def _segment(r: Any) -> Segment:
    return Segment(r.position, r.paragraph, r.source, r.target, r.confidence, r.origin, r.version, r.author,
                   r.source_sentences, r.target_sentences, r.id)


def _translation(r: Any, shown: int = 0, segments: list[Segment] | None = None) -> Translation:
    return Translation(
        r.id, r.dispatch_id, r.text_id, r.source_language, r.target_language, r.kind, r.engine, r.model,
        r.translator, r.status, r.version, r.round, r.final_version, r.confidence, r.details or {},
        utc(r.created) or r.created, utc(r.updated) or r.updated, shown, segments or [],
    )


def segments_at(conn: sa.Connection, translation_id: int, version: int) -> list[Segment]:
    """Each position's newest segment row at or before `version`, in position order."""
    rows = conn.execute(
        sa.select(segment)
        .where(segment.c.translation_id == translation_id, segment.c.version <= version)
        .order_by(segment.c.position, segment.c.version)
    )
    latest: dict[int, Any] = {}
    for r in rows:
        latest[r.position] = r
    return [_segment(latest[p]) for p in sorted(latest)]


def get(conn: sa.Connection, translation_id: int, version: int | None = None) -> Translation:
    """A translation with its segments at `version` (default: the newest)."""
    row = conn.execute(sa.select(translation).where(translation.c.id == translation_id)).first()
    if row is None:
        raise NoSuchRecord(f"No such translation {translation_id} in this case.")
    if version is not None and not 1 <= version <= row.version:
        raise NoSuchRecord(
            f"Translation {translation_id} of dispatch {row.dispatch_id} has versions 1 to {row.version}; "
            f"there is no version {version}."
        )
    shown = version or row.version
    return _translation(row, shown, segments_at(conn, translation_id, shown))


def of_dispatch(conn: sa.Connection, dispatch_id: int) -> list[Translation]:
    """Every translation of a dispatch, oldest first, without segments (imports and drafts never replace each
    other)."""
    require_dispatch(conn, dispatch_id)
    rows = conn.execute(sa.select(translation).where(translation.c.dispatch_id == dispatch_id)
                        .order_by(translation.c.id))
    return [_translation(r) for r in rows]


def rank(status: str, kind: str, translation_id: int) -> tuple[int, bool, int]:
    """The one rule for *the* current translation, as a sort key: the highest rank wins (module docstring)."""
    return STATUS_RANK.get(status, 0), kind == "human", translation_id


def preference(t: Translation) -> tuple[int, bool, int]:
    return rank(t.status, t.kind, t.id)


def current(conn: sa.Connection, dispatch_id: int, target_language: str | None = None,
            text_id: int | None = None) -> Translation | None:
    """*The* current translation of a dispatch (see the module docstring), with its newest segments."""
    found = [t for t in of_dispatch(conn, dispatch_id)
             if (target_language is None or t.target_language == target_language)
             and (text_id is None or t.text_id == text_id)]
    if not found:
        return None
    return get(conn, max(found, key=preference).id)


def current_ids(conn: sa.Connection, dispatch_ids: set[int] | None = None) -> dict[int, tuple[int, str]]:
    """(id, status) of *the* current translation of every dispatch that has one (or of `dispatch_ids`), by
    dispatch id: the rule of `current`, for many dispatches in one query."""
    query = sa.select(translation.c.id, translation.c.dispatch_id, translation.c.status, translation.c.kind)
    if dispatch_ids is not None:
        query = query.where(translation.c.dispatch_id.in_(sorted(dispatch_ids)))
    best: dict[int, tuple[tuple[int, bool, int], str]] = {}
    for r in conn.execute(query):
        key = rank(r.status, r.kind, int(r.id))
        found = best.get(int(r.dispatch_id))
        if found is None or key > found[0]:
            best[int(r.dispatch_id)] = (key, r.status)
    return {d: (key[2], status) for d, (key, status) in best.items()}


def newest_id(conn: sa.Connection, dispatch_id: int) -> int | None:
    """The most recently made translation of a dispatch (what `translation` commands act on by default)."""
    found = conn.execute(sa.select(translation.c.id).where(translation.c.dispatch_id == dispatch_id)
                         .order_by(translation.c.id.desc())).first()
    return int(found.id) if found else None


def add_segments(conn: sa.Connection, translation_id: int, version: int, segments: list[Segment]) -> None:
    """Write segment rows at `version` (a new translation, or the changed segments of a new version)."""
    if not segments:
        return
    stamp = now()
    conn.execute(segment.insert(), [
        {"translation_id": translation_id, "position": s.position, "version": version, "paragraph": s.paragraph,
         "source": s.source, "target": s.target, "source_sentences": s.source_sentences,
         "target_sentences": s.target_sentences, "confidence": s.confidence, "origin": s.origin,
         "author": s.author, "created": stamp}
        for s in segments
    ])


def correct_segment(conn: sa.Connection, translation_id: int, position: int, target: str, author: str) -> int:
    """A corrected target for one segment, as a new version of the translation; returns the new version.

    The translation goes (back) to "in review"; a final one reopens in a new review round. The earlier versions stay
    readable with `get(..., version=n)`; the caller audits the change."""
    current_row = conn.execute(sa.select(translation).where(translation.c.id == translation_id)).first()
    if current_row is None:
        raise NoSuchRecord(f"No such translation {translation_id} in this case.")
    before = {s.position: s for s in segments_at(conn, translation_id, current_row.version)}
    if position not in before:
        raise NoSuchRecord(f"Translation {translation_id} has no segment {position}; it has segments "
                           f"{min(before, default=0)} to {max(before, default=0)}.")
    old = before[position]
    version = current_row.version + 1
    add_segments(conn, translation_id, version, [Segment(old.position, old.paragraph, old.source, target,
                                                         old.confidence, "correction", version, author,
                                                         old.source_sentences, old.target_sentences)])
    reopened = current_row.status == "final"
    conn.execute(translation.update().where(translation.c.id == translation_id)
                 .values(version=version, status="in review", round=current_row.round + (1 if reopened else 0),
                         updated=now()))
    return version


def set_status(conn: sa.Connection, translation_id: int, status: str) -> Translation:
    """Move a translation to another status (the caller checks the move makes sense and audits it): marking it
    final records the version that was final; leaving final opens a new review round. Returns it as it was."""
    before = get(conn, translation_id)
    values: dict[str, Any] = {"status": status, "updated": now()}
    if status == "final":
        values["final_version"] = before.version
    elif before.status == "final":
        values["round"] = before.round + 1
    conn.execute(translation.update().where(translation.c.id == translation_id).values(**values))
    return before


@dataclass(frozen=True)
class Comment:
    """A reviewer's comment on one segment of a translation, at the version it was made on."""

    id: int
    translation_id: int
    position: int
    version: int
    author: str
    comment: str
    created: datetime


def add_comment(conn: sa.Connection, translation_id: int, position: int, version: int, author: str,
                comment: str) -> int:
    """Store a comment (the caller audits it); returns its id."""
    return new_id(conn.execute(translation_comment.insert().values(
        translation_id=translation_id, position=position, version=version, author=author, comment=comment,
        created=now())))


def comments(conn: sa.Connection, translation_id: int) -> list[Comment]:
    """The comments on a translation, oldest first."""
    rows = conn.execute(sa.select(translation_comment).where(translation_comment.c.translation_id == translation_id)
                        .order_by(translation_comment.c.id))
    return [Comment(r.id, r.translation_id, r.position, r.version, r.author, r.comment, utc(r.created) or r.created)
            for r in rows]


def comment_counts(conn: sa.Connection) -> dict[int, int]:
    """How many comments each translation that has any has."""
    return {int(t): int(n) for t, n in conn.execute(
        sa.select(translation_comment.c.translation_id, sa.func.count())
        .group_by(translation_comment.c.translation_id))}


def finals(conn: sa.Connection, source_language: str, target_language: str) -> list[Translation]:
    """Every translation between two languages that was ever marked final, oldest first, without segments
    (`segments_at(conn, t.id, t.final_version)` gives them as they were when marked final)."""
    rows = conn.execute(sa.select(translation).where(
        translation.c.final_version.is_not(None), translation.c.source_language == source_language,
        translation.c.target_language == target_language).order_by(translation.c.id))
    return [_translation(r) for r in rows]


def create(conn: sa.Connection, dispatch_id: int, text_id: int, source_language: str, target_language: str,
           kind: str, segments: list[Segment], *, engine: str | None = None, model: str | None = None,
           translator: str | None = None, confidence: float | None = None,
           details: dict[str, Any] | None = None) -> int:
    """Store a new translation at version 1 (status draft); earlier translations of the dispatch stay untouched."""
    stamp = now()
    translation_id = new_id(conn.execute(translation.insert().values(
        dispatch_id=dispatch_id, text_id=text_id, source_language=source_language, target_language=target_language,
        kind=kind, engine=engine, model=model, translator=translator, status="draft", version=1, round=1,
        final_version=None, confidence=confidence, details=details or {}, created=stamp, updated=stamp)))
    add_segments(conn, translation_id, 1, segments)
    return translation_id
