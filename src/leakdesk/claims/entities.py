"""Entities of a case: extract from every text, resolve names to one entity, carry them onto translations.

Resolution order for a found name: built-in gazetteer entry → desk alias / known name with the same transliterated
key → a close spelling of a known name of the same type (rapidfuzz) → a surname alone that matches exactly one known
person → a new entity. Every run is recorded in `claims_run` with its notes (mixed languages, missing models, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz

from leakdesk.claims import gazetteer, ner
from leakdesk.claims.aliases import is_cyrillic, latin_spelling, name_key
from leakdesk.errors import ClaimsError, NoSuchRecord
from leakdesk.store.records import claims as claim_records
from leakdesk.store.records import dispatches, translations
from leakdesk.store.records import entities as entity_records
from leakdesk.store.records.dispatches import Text
from leakdesk.store.records.entities import Mention
from leakdesk.store.records.translations import Translation

ENTITY_TYPES = ("PER", "LOC", "ORG")
FUZZY_MIN = 90


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
        for row in entity_records.find(conn):
            self.by_key[(row.type, row.key)] = row.id
            self.names[row.id] = (row.type, row.key)
            self.known_names.setdefault(row.id, set()).add(row.name)
            if row.gazetteer_id:
                self.by_place[row.gazetteer_id] = row.id
        for other in entity_records.aliases(conn):
            self.by_key.setdefault((self.names[other.entity_id][0], other.key), other.entity_id)
            self.known_names.setdefault(other.entity_id, set()).add(other.name)

    def _create(self, kind: str, name: str, place_id: str | None = None) -> int:
        key = name_key(name)
        entity_id = entity_records.create(self.conn, kind, name, key, place_id)
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
        entity_records.add_alias(self.conn, entity_id, name, key, origin, actor)
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
def skip_reason(found: Text, roles_of_dispatch: set[str]) -> str | None:
    """Texts not worth reading: PGP armour (the decrypted text is read instead), HTML twins of a plain body."""
    content = found.content.lstrip()
    if content.startswith("-----BEGIN PGP"):
        return "PGP armour, not readable text"
    if found.role == "html-body" and "body" in roles_of_dispatch:
        return "HTML twin of the plain-text body, which is read instead"
    if not content:
        return "empty text"
    return None


def readable_texts(conn: sa.Connection, text_id: int | None = None) -> list[tuple[Text, str | None]]:
    """Every text of the case (or the texts of one text's dispatch) with the reason it is skipped (None: read it)."""
    if text_id is None:
        by_dispatch = dispatches.texts_of(conn, None)
    else:
        owner = dispatches.text_by_id(conn, text_id)
        by_dispatch = {} if owner is None else {owner.dispatch_id: dispatches.texts(conn, owner.dispatch_id)}
    rows = sorted((t for texts in by_dispatch.values() for t in texts), key=lambda t: t.id)
    roles: dict[int, set[str]] = {}
    for r in rows:
        roles.setdefault(r.dispatch_id, set()).add(r.role)
    return [(r, skip_reason(r, roles[r.dispatch_id])) for r in rows]


def texts_to_process(conn: sa.Connection) -> list[tuple[Text, str | None]]:
    done = claim_records.texts_run(conn, "entities", ner.NER_VERSION)
    return [(r, reason) for r, reason in readable_texts(conn) if r.id not in done]


def extract_text(case: Any, conn: sa.Connection, row: Text, resolver: Resolver,
                 result: ner.Extraction | None = None) -> dict[str, Any]:
    """Find (unless already found), resolve and store the entity mentions of one text; record the run."""
    result = result or ner.extract(row.content, list(case.settings.languages))
    kept: list[Mention] = []
    for found in result.found:
        entity_id = resolver.resolve(found)
        if entity_id is None:
            result.notes.append(f"{found.surface!r} at {found.start} has no letters to match on; not kept")
            continue
        kept.append(Mention(entity_id, row.dispatch_id, found.start, found.end, found.surface, found.language,
                            found.method, text_id=row.id))
    entity_records.add_mentions(conn, kept)
    notes = {"mentions": len(kept), "words": result.words, "notes": result.notes,
             "languages": sorted({s.language or "unknown" for s in result.sections})}
    claim_records.record_run(conn, "entities", ner.NER_VERSION, notes, text_id=row.id)
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
                claim_records.record_run(conn, "entities", ner.NER_VERSION, {"skipped": reason}, text_id=row.id)
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
        todo = [t for d in dispatches.find(conn) for t in translations.of_dispatch(conn, d.id)
                if not claim_records.translation_run(conn, "carry", ner.NER_VERSION, t.id, t.version)]
    for tr in todo:
        carried += carry_translation(case, tr.id)["carried"]
    return carried


def _carry_one(conn: sa.Connection, tr: Translation) -> tuple[int, list[str]]:
    """Carry the mentions of `tr`'s source text onto its segments (`tr` holds its newest segments)."""
    source_mentions = [(m.entity_id, m.surface) for m in entity_records.mentions_in_text(conn, tr.text_id)]
    if not source_mentions:
        return 0, []
    names: dict[int, set[str]] = {}
    for known in entity_records.find(conn):
        names.setdefault(known.id, set()).add(known.name)
    for other in entity_records.aliases(conn):
        names.setdefault(other.entity_id, set()).add(other.name)
    carried: list[Mention] = []
    missing: list[str] = []
    for seg in tr.segments:
        placed: list[tuple[int, int]] = []
        for entity_id, surface in source_mentions:
            if surface not in seg.source:
                continue
            spot = locate(seg.target, candidate_names(names.get(entity_id, set()) | {surface}))
            if spot is None or any(s < spot[1] and spot[0] < e for s, e in placed):
                missing.append(f"segment {seg.position}: {surface}")
                continue
            placed.append(spot)
            carried.append(Mention(entity_id, tr.dispatch_id, spot[0], spot[1], seg.target[spot[0]:spot[1]],
                                   tr.target_language, "carried", translation_id=tr.id, segment_id=seg.id))
    entity_records.add_mentions(conn, carried)
    return len(carried), missing


# ---------------------------------------------------------------------------------------------- listing, aliases
def list_entities(case: Any) -> list[EntitySummary]:
    with case.connect() as conn:
        counts = entity_records.mention_counts(conn)
        aliases: dict[int, list[str]] = {}
        for other in entity_records.aliases(conn):
            aliases.setdefault(other.entity_id, []).append(other.name)
        out = []
        for row in entity_records.find(conn):
            orig, trans = counts.get(row.id, (0, 0))
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
            raise ClaimsError(f"No entity called {name!r} in this case; run `leakdesk entity extract CASE` first and "
                              "use one of the names it lists.")
        added = [a for a in aliases if resolver.add_alias(entity_id, a, "desk", case.actor)]
        ent = entity_records.get(conn, entity_id)
        assert ent is not None  # found or created above, in this transaction
        _merge_same_key(conn, ent, aliases)
        case.audit(conn, "claims.alias.add", f"entity:{entity_id}", {"name": ent.name, "aliases": added})
    return {"entity_id": entity_id, "name": ent.name, "added": added}


def list_aliases(case: Any) -> list[dict[str, Any]]:
    """Every alias with the entity it names and where it came from (desk, gazetteer, extracted)."""
    with case.connect() as conn:
        named = {e.id: e for e in entity_records.find(conn)}
        found = [a for a in entity_records.aliases(conn) if a.name != named[a.entity_id].name]
    found.sort(key=lambda a: (named[a.entity_id].name, a.id))
    return [{"id": a.id, "name": a.name, "origin": a.origin, "actor": a.actor, "entity_id": a.entity_id,
             "entity": named[a.entity_id].name, "type": named[a.entity_id].type} for a in found]


def remove_alias(case: Any, name: str) -> dict[str, Any]:
    """Take an alias the desk added off its entity (audited). Names the analysis found come back at the next
    extraction, so only desk aliases can be removed; mentions already merged stay with the entity."""
    name = " ".join(name.split())
    with case.transaction() as conn:
        rows = [a for a in entity_records.aliases(conn) if a.name == name]
        if not rows:
            raise NoSuchRecord(f"No such alias {name!r} in this case (see `leakdesk alias list CASE`).")
        owner = entity_records.get(conn, rows[0].entity_id)
        owner_name = owner.name if owner else str(rows[0].entity_id)
        desk = [a for a in rows if a.origin == "desk"]
        if not desk:
            raise ClaimsError(f"{name!r} is a name of {owner_name} found by the analysis ({rows[0].origin}), not "
                              "an alias the desk added; it cannot be removed.")
        entity_records.remove_aliases(conn, [a.id for a in desk])
        case.audit(conn, "claims.alias.remove", f"entity:{desk[0].entity_id}", {"name": owner_name, "alias": name})
    return {"alias": name, "entity_id": desk[0].entity_id, "entity": owner_name}


def _merge_same_key(conn: sa.Connection, kept: entity_records.Entity, aliases: list[str]) -> None:
    """Entities already extracted under one of the new aliases are folded into `kept` (mentions move)."""
    keys = {name_key(a) for a in aliases}
    others = [r.id for r in entity_records.find(conn) if r.id != kept.id and r.key in keys and r.type == kept.type]
    entity_records.merge(conn, kept.id, others)


# ---------------------------------------------------------------------------------------------- one item (pipeline)
def entities_of_text(case: Any, text_id: int) -> dict[str, Any]:
    """(Re)extract the entity mentions of one text: its earlier mentions are replaced, aliases and entities kept."""
    with case.connect() as conn:
        rows = [r for r, reason in readable_texts(conn, text_id=text_id) if r.id == text_id and reason is None]
    if not rows:
        raise ClaimsError(f"Text {text_id} is not a readable text of this case.")
    found = ner.extract(rows[0].content, list(case.settings.languages))  # the slow part, outside the lock
    with case.transaction() as conn:
        entity_records.lock_for_resolving(conn)  # parallel workers: one resolver at a time, no entity made twice
        entity_records.remove_mentions(conn, text_id=text_id)
        notes = extract_text(case, conn, rows[0], Resolver(conn), found)
        case.audit(conn, "claims.entities", f"text:{text_id}", {"mentions": notes["mentions"]})
    return {"mentions": notes["mentions"], "words": notes["words"]}


def carry_translation(case: Any, translation_id: int) -> dict[str, Any]:
    """Put the original's entity mentions onto one translation's aligned segments (its current version)."""
    with case.transaction() as conn:
        try:
            tr = translations.get(conn, translation_id)
        except NoSuchRecord:
            raise ClaimsError(f"Translation {translation_id} is no longer in the case.") from None
        entity_records.remove_mentions(conn, translation_id=tr.id)
        found, missing = _carry_one(conn, tr)
        claim_records.record_run(conn, "carry", ner.NER_VERSION,
                                 {"carried": found, "not_found_in_translation": missing[:50]},
                                 translation_id=tr.id, translation_version=tr.version)
        case.audit(conn, "claims.carry", f"translation:{tr.id}", {"version": tr.version, "mentions": found})
    return {"carried": found, "not_found": len(missing)}
