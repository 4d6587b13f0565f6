"""Entities of a case: extract from every text, resolve names to one entity, carry them onto translations.

Resolution order for a found name: built-in gazetteer entry → desk alias / known name with the same transliterated
key → a close spelling of a known name of the same type (rapidfuzz) → a surname alone that matches exactly one known
person → a new entity. Every run is recorded in `claims_run` with its notes (mixed languages, missing models, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz

from leakdesk.claims import gazetteer, ner
from leakdesk.claims.aliases import is_cyrillic, latin_spelling, name_key
from leakdesk.errors import ClaimsError
from leakdesk.store.tables import alias, claims_run, dispatch, entity, mention, segment, text, translation

ENTITY_TYPES = ("PER", "LOC", "ORG")
FUZZY_MIN = 90


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class EntitySummary:
    id: int
    name: str
    type: str
    aliases: list[str]
    mentions: int
    in_originals: int
    in_translations: int

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "aliases": self.aliases,
                "mentions": self.mentions, "in_originals": self.in_originals,
                "in_translations": self.in_translations}


class Resolver:
    """Maps found names to case entities, creating entities and aliases as needed (inside one transaction)."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.by_key: dict[tuple[str, str], int] = {}
        self.by_place: dict[str, int] = {}
        self.names: dict[int, tuple[str, str]] = {}  # id -> (type, key of display name)
        self.known_names: dict[int, set[str]] = {}
        for row in conn.execute(sa.select(entity)):
            self.by_key[(row.type, row.key)] = row.id
            self.names[row.id] = (row.type, row.key)
            self.known_names.setdefault(row.id, set()).add(row.name)
            if row.gazetteer_id:
                self.by_place[row.gazetteer_id] = row.id
        for row in conn.execute(sa.select(alias.c.entity_id, alias.c.key, alias.c.name, entity.c.type)
                                .join(entity, entity.c.id == alias.c.entity_id)):
            self.by_key.setdefault((row.type, row.key), row.entity_id)
            self.known_names.setdefault(row.entity_id, set()).add(row.name)

    def _create(self, kind: str, name: str, place_id: str | None = None) -> int:
        key = name_key(name)
        inserted = self.conn.execute(
            sa.insert(entity).values(type=kind, name=name, key=key, gazetteer_id=place_id, created=now())
        ).inserted_primary_key
        entity_id = int(inserted[0]) if inserted else 0
        self.by_key[(kind, key)] = entity_id
        self.names[entity_id] = (kind, key)
        self.known_names[entity_id] = {name}
        if place_id:
            self.by_place[place_id] = entity_id
            place = gazetteer.by_id(place_id)
            for other in place.names if place else ():
                self.add_alias(entity_id, other, "gazetteer")
        return int(entity_id)

    def add_alias(self, entity_id: int, name: str, origin: str, actor: str | None = None) -> bool:
        name = " ".join(name.split())
        if not name or name in self.known_names.get(entity_id, set()):
            return False
        kind = self.names[entity_id][0]
        key = name_key(name)
        self.conn.execute(sa.insert(alias).values(entity_id=entity_id, name=name, key=key, origin=origin,
                                                  actor=actor, created=now()))
        self.by_key.setdefault((kind, key), entity_id)
        self.known_names.setdefault(entity_id, set()).add(name)
        return True

    def resolve(self, found: ner.Found) -> int | None:
        """The entity a found name stands for (created if new); None for a "name" with nothing to match on."""
        if found.place_id:
            return self.by_place.get(found.place_id) or self._create(found.type, found.name, found.place_id)
        key = name_key(found.name)
        if not key:
            return None
        known = self.by_key.get((found.type, key)) or self._fuzzy(found.type, key) or self._surname(found, key)
        if known is None:
            return self._create(found.type, found.name)
        self.add_alias(known, found.name, "extracted")
        return known

    def _fuzzy(self, kind: str, key: str) -> int | None:
        if len(key) < 5:
            return None
        best, best_score = None, 0.0
        for (k_type, k_key), entity_id in self.by_key.items():
            if k_type != kind or len(k_key) < 5:
                continue
            score = fuzz.ratio(key, k_key)
            if score >= FUZZY_MIN and score > best_score:
                best, best_score = entity_id, score
        return best

    def _surname(self, found: ner.Found, key: str) -> int | None:
        """"Иванов" alone joins "Сергей Иванов" when exactly one known person has that surname."""
        if found.type != "PER" or " " in key:
            return None
        owners = {eid for (t, k), eid in self.by_key.items() if t == "PER" and " " in k and k.split()[-1] == key}
        return owners.pop() if len(owners) == 1 else None


# ---------------------------------------------------------------------------------------------- extraction runs
def _already(conn: sa.Connection, stage: str, **where: Any) -> bool:
    q = sa.select(claims_run.c.id).where(claims_run.c.stage == stage, claims_run.c.version == ner.NER_VERSION)
    for column, value in where.items():
        q = q.where(claims_run.c[column] == value)
    return conn.execute(q).first() is not None


def skip_reason(row: Any, roles_of_dispatch: set[str]) -> str | None:
    """Texts not worth reading: PGP armour (the decrypted text is read instead), HTML twins of a plain body."""
    content = (row.content or "").lstrip()
    if content.startswith("-----BEGIN PGP"):
        return "PGP armour, not readable text"
    if row.role == "html-body" and "body" in roles_of_dispatch:
        return "HTML twin of the plain-text body, which is read instead"
    if not content:
        return "empty text"
    return None


def readable_texts(conn: sa.Connection, extra: list[Any] | None = None,
                   text_id: int | None = None) -> list[tuple[Any, str | None]]:
    """Every text of the case (or the texts of one text's dispatch) with the reason it is skipped (None: read it)."""
    q = (sa.select(text.c.id, text.c.dispatch_id, text.c.content, text.c.language, text.c.role, *(extra or []))
         .join(dispatch, dispatch.c.id == text.c.dispatch_id).order_by(text.c.id))
    if text_id is not None:
        q = q.where(text.c.dispatch_id == sa.select(text.c.dispatch_id).where(text.c.id == text_id).scalar_subquery())
    rows = conn.execute(q).all()
    roles: dict[int, set[str]] = {}
    for r in rows:
        roles.setdefault(r.dispatch_id, set()).add(r.role)
    return [(r, skip_reason(r, roles[r.dispatch_id])) for r in rows]


def texts_to_process(conn: sa.Connection) -> list[tuple[Any, str | None]]:
    done = {r[0] for r in conn.execute(sa.select(claims_run.c.text_id).where(
        claims_run.c.stage == "entities", claims_run.c.version == ner.NER_VERSION,
        claims_run.c.text_id.is_not(None)))}
    return [(r, reason) for r, reason in readable_texts(conn) if r.id not in done]


def extract_text(case: Any, conn: sa.Connection, row: Any, resolver: Resolver,
                 result: ner.Extraction | None = None) -> dict[str, Any]:
    """Find (unless already found), resolve and store the entity mentions of one text; record the run."""
    result = result or ner.extract(row.content or "", list(case.settings.languages))
    kept = 0
    for found in result.found:
        entity_id = resolver.resolve(found)
        if entity_id is None:
            result.notes.append(f"{found.surface!r} at {found.start} has no letters to match on; not kept")
            continue
        kept += 1
        conn.execute(sa.insert(mention).values(
            entity_id=entity_id, dispatch_id=row.dispatch_id, text_id=row.id, start_char=found.start,
            end_char=found.end, surface=found.surface, language=found.language, method=found.method, created=now()))
    notes = {"mentions": kept, "words": result.words, "notes": result.notes,
             "languages": sorted({s.language or "unknown" for s in result.sections})}
    conn.execute(sa.insert(claims_run).values(stage="entities", text_id=row.id, version=ner.NER_VERSION,
                                              notes=notes, created=now()))
    return notes


def run_entities(case: Any, progress: Any = None) -> dict[str, Any]:
    """Extract entities from every text not processed yet, then carry them onto translations.

    `progress(stage, total)`, if given, is called once per stage and returns a function called after each item.
    """
    summary: dict[str, Any] = {"texts": 0, "mentions": 0, "words": 0, "carried": 0, "notes": []}
    with case.connect() as conn:
        pending = texts_to_process(conn)
    advance = progress("Finding entities", len(pending)) if progress else None
    for row, reason in pending:
        with case.transaction() as conn:
            if reason:
                conn.execute(sa.insert(claims_run).values(stage="entities", text_id=row.id, version=ner.NER_VERSION,
                                                          notes={"skipped": reason}, created=now()))
                summary["notes"].append(f"text {row.id} (dispatch {row.dispatch_id}) skipped: {reason}")
                if advance:
                    advance()
                continue
            notes = extract_text(case, conn, row, Resolver(conn))
            summary["texts"] += 1
            summary["mentions"] += notes["mentions"]
            summary["words"] += notes["words"]
            summary["notes"] += [f"text {row.id} (dispatch {row.dispatch_id}): {n}" for n in notes["notes"]]
            case.audit(conn, "claims.entities", f"text:{row.id}", {"mentions": notes["mentions"]})
        if advance:
            advance()
    summary["carried"] = carry_to_translations(case)
    return summary


# ---------------------------------------------------------------------------------------------- translations
def _current_segments(conn: sa.Connection, translation_id: int, version: int) -> list[Any]:
    rows = conn.execute(sa.select(segment).where(segment.c.translation_id == translation_id,
                                                 segment.c.version <= version)
                        .order_by(segment.c.position, segment.c.version)).all()
    latest: dict[int, Any] = {}
    for r in rows:
        latest[r.position] = r
    return [latest[p] for p in sorted(latest)]


def candidate_names(names: Iterable[str]) -> list[str]:
    """Spellings to look for in a translation: every known name plus the Latin spelling of Cyrillic ones."""
    out: set[str] = set()
    for n in names:
        out.add(n)
        if is_cyrillic(n):
            out.add(latin_spelling(n))
    return sorted((n for n in out if n and not is_cyrillic(n)), key=len, reverse=True)


def locate(target: str, names: list[str]) -> tuple[int, int] | None:
    """Where one of `names` occurs in `target`: exact (case-insensitive) first, then a close transliteration."""
    for n in names:
        m = re.search(rf"(?<!\w){re.escape(n)}(?!\w)", target, flags=re.IGNORECASE)
        if m:
            return m.start(), m.end()
    keys = {name_key(n) for n in names}
    tokens = list(re.finditer(r"\w[\w'’-]*", target))
    for n_words in sorted({len(k.split()) for k in keys if k}, reverse=True):
        for i in range(len(tokens) - n_words + 1):
            start, end = tokens[i].start(), tokens[i + n_words - 1].end()
            key = name_key(target[start:end])
            if len(key) >= 4 and any(fuzz.ratio(key, k) >= 85 for k in keys):
                return start, end
    return None


def carry_to_translations(case: Any) -> int:
    """Put each original's entity mentions onto the aligned segments of its translations (current version)."""
    carried = 0
    with case.connect() as conn:
        todo = [t for t in conn.execute(sa.select(translation)).all()
                if not _already(conn, "carry", translation_id=t.id, translation_version=t.version)]
    for tr in todo:
        with case.transaction() as conn:
            conn.execute(sa.delete(mention).where(mention.c.translation_id == tr.id))
            found, missing = _carry_one(conn, tr)
            carried += found
            conn.execute(sa.insert(claims_run).values(
                stage="carry", translation_id=tr.id, translation_version=tr.version, version=ner.NER_VERSION,
                notes={"carried": found, "not_found_in_translation": missing[:50]}, created=now()))
            case.audit(conn, "claims.carry", f"translation:{tr.id}", {"version": tr.version, "mentions": found})
    return carried


def _carry_one(conn: sa.Connection, tr: Any) -> tuple[int, list[str]]:
    source_mentions = conn.execute(sa.select(mention.c.entity_id, mention.c.surface)
                                   .where(mention.c.text_id == tr.text_id)).all()
    if not source_mentions:
        return 0, []
    names: dict[int, set[str]] = {}
    for row in conn.execute(sa.select(entity.c.id, entity.c.name)):
        names.setdefault(row.id, set()).add(row.name)
    for row in conn.execute(sa.select(alias.c.entity_id, alias.c.name)):
        names.setdefault(row.entity_id, set()).add(row.name)
    found, missing = 0, []
    for seg in _current_segments(conn, tr.id, tr.version):
        placed: list[tuple[int, int]] = []
        for entity_id, surface in source_mentions:
            if surface not in seg.source:
                continue
            spot = locate(seg.target, candidate_names(names.get(entity_id, set()) | {surface}))
            if spot is None or any(s < spot[1] and spot[0] < e for s, e in placed):
                missing.append(f"segment {seg.position}: {surface}")
                continue
            placed.append(spot)
            conn.execute(sa.insert(mention).values(
                entity_id=entity_id, dispatch_id=tr.dispatch_id, translation_id=tr.id, segment_id=seg.id,
                start_char=spot[0], end_char=spot[1], surface=seg.target[spot[0]:spot[1]],
                language=tr.target_language, method="carried", created=now()))
            found += 1
    return found, missing


# ---------------------------------------------------------------------------------------------- listing, aliases
def list_entities(case: Any) -> list[EntitySummary]:
    with case.connect() as conn:
        counts: dict[int, list[int]] = {}
        for row in conn.execute(sa.select(mention.c.entity_id, mention.c.translation_id)):
            c = counts.setdefault(row.entity_id, [0, 0])
            c[1 if row.translation_id is not None else 0] += 1
        aliases: dict[int, list[str]] = {}
        for row in conn.execute(sa.select(alias.c.entity_id, alias.c.name).order_by(alias.c.id)):
            aliases.setdefault(row.entity_id, []).append(row.name)
        out = []
        for row in conn.execute(sa.select(entity).order_by(entity.c.id)):
            orig, trans = counts.get(row.id, [0, 0])
            names = [a for a in dict.fromkeys(aliases.get(row.id, [])) if a != row.name]
            out.append(EntitySummary(row.id, row.name, row.type, names, orig + trans, orig, trans))
    out.sort(key=lambda e: (-e.mentions, e.name))
    return out


def add_alias(case: Any, name: str, aliases: list[str]) -> dict[str, Any]:
    """Record that ALIASES name the same thing as NAME (an entity's name or known alias; created if unknown)."""
    name = " ".join(name.split())
    aliases = [" ".join(a.split()) for a in aliases if a.strip()]
    if not name:
        raise ClaimsError("Give the name of the entity the aliases belong to.")
    if not aliases:
        raise ClaimsError(f"Give at least one alias for {name!r}.")
    with case.transaction() as conn:
        resolver = Resolver(conn)
        key = name_key(name)
        matches = sorted({eid for (t, k), eid in resolver.by_key.items() if k == key})
        if len(matches) > 1:
            raise ClaimsError(f"{name!r} names {len(matches)} different entities (ids {matches}); "
                              "use a fuller name.")
        place = gazetteer.lookup(name)
        if matches:
            entity_id = matches[0]
        elif place is not None:
            entity_id = resolver.by_place.get(place.id) or resolver._create(place.type, place.name, place.id)
        else:
            raise ClaimsError(f"No entity called {name!r} in this case; run `leakdesk entities CASE` first and "
                              "use one of the names it lists.")
        added = [a for a in aliases if resolver.add_alias(entity_id, a, "desk", case.actor)]
        ent = conn.execute(sa.select(entity).where(entity.c.id == entity_id)).one()
        _merge_same_key(conn, entity_id, aliases)
        case.audit(conn, "claims.alias.add", f"entity:{entity_id}", {"name": ent.name, "aliases": added})
    return {"entity_id": entity_id, "name": ent.name, "added": added}


def _merge_same_key(conn: sa.Connection, entity_id: int, aliases: list[str]) -> None:
    """Entities already extracted under one of the new aliases are folded into `entity_id` (mentions move)."""
    kind = conn.execute(sa.select(entity.c.type).where(entity.c.id == entity_id)).scalar_one()
    keys = {name_key(a) for a in aliases}
    others = [r.id for r in conn.execute(sa.select(entity.c.id, entity.c.key, entity.c.type))
              if r.id != entity_id and r.key in keys and r.type == kind]
    for other in others:
        conn.execute(sa.update(mention).where(mention.c.entity_id == other).values(entity_id=entity_id))
        conn.execute(sa.update(alias).where(alias.c.entity_id == other).values(entity_id=entity_id))
        conn.execute(sa.delete(entity).where(entity.c.id == other))


# ---------------------------------------------------------------------------------------------- one item (pipeline)
def entities_of_text(case: Any, text_id: int) -> dict[str, Any]:
    """(Re)extract the entity mentions of one text: its earlier mentions are replaced, aliases and entities kept."""
    with case.connect() as conn:
        rows = [r for r, reason in readable_texts(conn, text_id=text_id) if r.id == text_id and reason is None]
    if not rows:
        raise ClaimsError(f"Text {text_id} is not a readable text of this case.")
    found = ner.extract(rows[0].content or "", list(case.settings.languages))  # the slow part, outside the lock
    with case.transaction() as conn:
        if conn.dialect.name == "postgresql":  # parallel workers: one resolver at a time, so no entity is made twice
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7243010)"))
        conn.execute(sa.delete(mention).where(mention.c.text_id == text_id))
        notes = extract_text(case, conn, rows[0], Resolver(conn), found)
        case.audit(conn, "claims.entities", f"text:{text_id}", {"mentions": notes["mentions"]})
    return {"mentions": notes["mentions"], "words": notes["words"]}


def carry_translation(case: Any, translation_id: int) -> dict[str, Any]:
    """Put the original's entity mentions onto one translation's aligned segments (its current version)."""
    with case.transaction() as conn:
        tr = conn.execute(sa.select(translation).where(translation.c.id == translation_id)).first()
        if tr is None:
            raise ClaimsError(f"Translation {translation_id} is no longer in the case.")
        conn.execute(sa.delete(mention).where(mention.c.translation_id == tr.id))
        found, missing = _carry_one(conn, tr)
        conn.execute(sa.insert(claims_run).values(
            stage="carry", translation_id=tr.id, translation_version=tr.version, version=ner.NER_VERSION,
            notes={"carried": found, "not_found_in_translation": missing[:50]}, created=now()))
        case.audit(conn, "claims.carry", f"translation:{tr.id}", {"version": tr.version, "mentions": found})
    return {"carried": found, "not_found": len(missing)}
