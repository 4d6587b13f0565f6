"""Entities of a case (people, places, organisations), their other names (aliases) and where they are named.

A mention sits either in a dispatch's text (`text_id`) or in a translation's segment (`translation_id`,
`segment_id`, offsets in the segment's target). Resolving names to entities is the claims capability's work; this
module only stores and reads what it decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.store.records.common import new_id, now, utc
from leakdesk.store.tables import alias, entity, mention

RESOLVER_LOCK = 7243010  # PostgreSQL advisory lock: one resolver at a time, so parallel workers make no twins


@dataclass(frozen=True)
class Entity:
    id: int
    type: str  # PER | LOC | ORG
    name: str  # display name (nominative, or the gazetteer's)
    key: str  # transliterated matching key of the name
    gazetteer_id: str | None


@dataclass(frozen=True)
class Alias:
    id: int
    entity_id: int
    name: str
    key: str
    origin: str  # desk | gazetteer | extracted
    actor: str | None


@dataclass(frozen=True)
class Mention:
    """One place an entity is named; `id` and `created` are None until stored."""

    entity_id: int
    dispatch_id: int
    start_char: int
    end_char: int
    surface: str
    language: str | None
    method: str  # natasha | spacy | gazetteer | desk-alias | carried
    text_id: int | None = None
    translation_id: int | None = None
    segment_id: int | None = None
    id: int | None = None
    created: datetime | None = None


def _entity(r: Any) -> Entity:
    return Entity(r.id, r.type, r.name, r.key, r.gazetteer_id)


def _mention(r: Any) -> Mention:
    return Mention(r.entity_id, r.dispatch_id, r.start_char, r.end_char, r.surface, r.language, r.method, r.text_id,
                   r.translation_id, r.segment_id, r.id, utc(r.created))


def find(conn: sa.Connection) -> list[Entity]:
    """Every entity of the case, oldest first."""
    return [_entity(r) for r in conn.execute(sa.select(entity).order_by(entity.c.id))]


def get(conn: sa.Connection, entity_id: int) -> Entity | None:
    row = conn.execute(sa.select(entity).where(entity.c.id == entity_id)).first()
    return None if row is None else _entity(row)


def aliases(conn: sa.Connection) -> list[Alias]:
    """Every alias of every entity, oldest first."""
    return [Alias(r.id, r.entity_id, r.name, r.key, r.origin, r.actor)
            for r in conn.execute(sa.select(alias).order_by(alias.c.id))]


def create(conn: sa.Connection, kind: str, name: str, key: str, gazetteer_id: str | None = None) -> int:
    """A new entity; returns its id."""
    return new_id(conn.execute(entity.insert().values(type=kind, name=name, key=key, gazetteer_id=gazetteer_id,
                                                      created=now())))


def add_alias(conn: sa.Connection, entity_id: int, name: str, key: str, origin: str, actor: str | None = None) -> None:
    conn.execute(alias.insert().values(entity_id=entity_id, name=name, key=key, origin=origin, actor=actor,
                                       created=now()))


def remove_aliases(conn: sa.Connection, alias_ids: list[int]) -> None:
    conn.execute(alias.delete().where(alias.c.id.in_(alias_ids)))


def merge(conn: sa.Connection, into: int, others: list[int]) -> None:
    """Fold entities into one: their mentions and aliases move to `into`, then they are deleted."""
    for other in others:
        conn.execute(mention.update().where(mention.c.entity_id == other).values(entity_id=into))
        conn.execute(alias.update().where(alias.c.entity_id == other).values(entity_id=into))
        conn.execute(entity.delete().where(entity.c.id == other))


def lock_for_resolving(conn: sa.Connection) -> None:
    """On PostgreSQL, hold the resolver lock until the transaction ends (SQLite writers are serial anyway)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": RESOLVER_LOCK})


def add_mentions(conn: sa.Connection, found: list[Mention]) -> None:
    """Store mentions (their `id` and `created` are ignored)."""
    if not found:
        return
    stamp = now()
    conn.execute(mention.insert(), [
        {"entity_id": m.entity_id, "dispatch_id": m.dispatch_id, "text_id": m.text_id,
         "translation_id": m.translation_id, "segment_id": m.segment_id, "start_char": m.start_char,
         "end_char": m.end_char, "surface": m.surface, "language": m.language, "method": m.method, "created": stamp}
        for m in found
    ])


def remove_mentions(conn: sa.Connection, *, text_id: int | None = None, translation_id: int | None = None) -> None:
    """Delete the mentions found in one text, or carried onto one translation."""
    if text_id is not None:
        conn.execute(mention.delete().where(mention.c.text_id == text_id))
    if translation_id is not None:
        conn.execute(mention.delete().where(mention.c.translation_id == translation_id))


def mentions_in_text(conn: sa.Connection, text_id: int) -> list[Mention]:
    """The mentions found in one original text, in the order they were stored."""
    rows = conn.execute(sa.select(mention).where(mention.c.text_id == text_id).order_by(mention.c.id))
    return [_mention(r) for r in rows]


def named_in(conn: sa.Connection, text_id: int, start: int, end: int) -> list[Entity]:
    """The entity of each mention lying within characters start..end of a text, in text order."""
    rows = conn.execute(sa.select(entity).join(mention, entity.c.id == mention.c.entity_id)
                        .where(mention.c.text_id == text_id, mention.c.start_char >= start,
                               mention.c.end_char <= end).order_by(mention.c.start_char))
    return [_entity(r) for r in rows]


def mention_counts(conn: sa.Connection) -> dict[int, tuple[int, int]]:
    """(mentions in originals, mentions in translations) of every entity that has any."""
    counts: dict[int, list[int]] = {}
    for row in conn.execute(sa.select(mention.c.entity_id, mention.c.translation_id)):
        c = counts.setdefault(row.entity_id, [0, 0])
        c[1 if row.translation_id is not None else 0] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def mentions(conn: sa.Connection) -> list[Mention]:
    """Every mention of the case (in texts and translations), in the order they were stored."""
    return [_mention(r) for r in conn.execute(sa.select(mention).order_by(mention.c.id))]
