"""The case glossary: agreed renderings of terms, one per term and language pair."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord
from leakdesk.store.records.common import new_id, now
from leakdesk.store.tables import glossary_term


@dataclass(frozen=True)
class Term:
    id: int
    source_language: str
    target_language: str
    source_term: str
    target_term: str
    note: str | None
    actor: str
    source_lemmas: str = ""  # space-separated lemmas the term is matched by, in any inflection


def _term(row: sa.Row) -> Term:
    return Term(row.id, row.source_language, row.target_language, row.source_term, row.target_term, row.note,
                row.actor, row.source_lemmas)


def all_terms(conn: sa.Connection) -> list[Term]:
    """Every term of the glossary, in the order they were agreed."""
    return [_term(r) for r in conn.execute(sa.select(glossary_term).order_by(glossary_term.c.id))]


def find(conn: sa.Connection, source_term: str, source_language: str, target_language: str) -> Term | None:
    row = conn.execute(sa.select(glossary_term).where(
        glossary_term.c.source_language == source_language, glossary_term.c.target_language == target_language,
        glossary_term.c.source_term == source_term.strip())).first()
    return None if row is None else _term(row)


def add(conn: sa.Connection, source_term: str, source_lemmas: str, target_term: str, note: str | None,
        source_language: str, target_language: str, actor: str) -> int:
    """Store one term (the caller checks it is new and audits it); returns its id."""
    return new_id(conn.execute(glossary_term.insert().values(
        source_language=source_language, target_language=target_language, source_term=source_term,
        source_lemmas=source_lemmas, target_term=target_term, note=note, actor=actor, created=now())))


def remove(conn: sa.Connection, source_term: str, source_language: str, target_language: str) -> Term:
    """Delete one term (the caller audits it); `NoSuchRecord` naming the term when it is not in the glossary."""
    found = find(conn, source_term, source_language, target_language)
    if found is None:
        raise NoSuchRecord(f"No such term “{source_term.strip()}” ({source_language} → {target_language}) in the "
                           "glossary.")
    conn.execute(glossary_term.delete().where(glossary_term.c.id == found.id))
    return found
