"""The case glossary: agreed renderings of terms, one per term and language pair."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord
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


def find(conn: sa.Connection, source_term: str, source_language: str, target_language: str) -> Term | None:
    row = conn.execute(sa.select(glossary_term).where(
        glossary_term.c.source_language == source_language, glossary_term.c.target_language == target_language,
        glossary_term.c.source_term == source_term.strip())).first()
    return None if row is None else Term(row.id, row.source_language, row.target_language, row.source_term,
                                         row.target_term, row.note, row.actor)


def remove(conn: sa.Connection, source_term: str, source_language: str, target_language: str) -> Term:
    """Delete one term (the caller audits it); `NoSuchRecord` naming the term when it is not in the glossary."""
    found = find(conn, source_term, source_language, target_language)
    if found is None:
        raise NoSuchRecord(f"No such term “{source_term.strip()}” ({source_language} → {target_language}) in the "
                           "glossary.")
    conn.execute(glossary_term.delete().where(glossary_term.c.id == found.id))
    return found
