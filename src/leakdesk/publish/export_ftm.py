"""FollowTheMoney export (for Aleph and friends): letters, entities, mentions and claims as events.

Mapping: email dispatch → `Email`, other dispatch → `Document` (its current translation in `translatedText`);
PER → `Person`, ORG → `Organization`, LOC → `Address`; each mention → `Mention`; each claim → `Event`.
Every value goes through FtM's own cleaning; a value FtM would silently drop is an error here instead, and every
entity is validated against its schema before it is written. Everything is read through store.records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from followthemoney import model
from followthemoney.exc import InvalidData

from leakdesk.claims.claims import entities_in
from leakdesk.errors import LeakdeskError
from leakdesk.store.records import claims, custody, dispatches, entities, translations
from leakdesk.store.records.dispatches import Dispatch

SCHEMA_OF_TYPE = {"PER": "Person", "ORG": "Organization", "LOC": "Address"}
LANGUAGE_CODES = {"ru": "rus", "en": "eng", "ja": "jpn", "uk": "ukr", "de": "deu", "fr": "fra"}  # FtM's ISO 639-2


class ExportError(LeakdeskError):
    """An export could not be made (a value FtM refuses, no folder to write to); nothing was written."""


class Builder:
    """Makes FtM entities with ids stable for this case, refusing values FtM would drop."""

    def __init__(self, case_name: str) -> None:
        self.case_name = case_name
        self.entities: list[Any] = []

    def make(self, schema: str, *key: Any) -> Any:
        proxy = model.make_entity(schema)
        proxy.make_id("leakdesk", self.case_name, *[str(k) for k in key])
        self.entities.append(proxy)
        return proxy

    @staticmethod
    def put(proxy: Any, prop: str, value: Any) -> None:
        """Add a value; refuse values that FtM's cleaning would drop (so nothing disappears silently)."""
        if value is None or value == "" or value == []:
            return
        prop_type = proxy.schema.get(prop).type
        for v in value if isinstance(value, list) else [value]:
            if prop_type.clean(str(v), proxy=proxy) is None:
                raise ExportError(f"FollowTheMoney refused {v!r} as {proxy.schema.name}.{prop}.")
            proxy.add(prop, v)


def _language(code: str | None) -> str | None:
    return LANGUAGE_CODES.get(code or "", None)


def _document(b: Builder, conn: sa.Connection, d: Dispatch, sha1: dict[str, str]) -> Any:
    doc = b.make("Email" if d.kind == "email" else "Document", "dispatch", d.id)
    b.put(doc, "fileName", d.filename or f"dispatch-{d.id}")
    b.put(doc, "title", d.subject)
    if d.kind == "email":
        b.put(doc, "subject", d.subject)
        b.put(doc, "from", d.sender)
        b.put(doc, "messageId", d.message_id)
    b.put(doc, "date", d.date_utc.strftime("%Y-%m-%dT%H:%M:%S") if d.date_utc else None)
    b.put(doc, "language", _language(d.language))
    if d.media_type and d.media_type != "application/octet-stream":  # FtM's word for "unknown" is none
        b.put(doc, "mimeType", d.media_type)
    b.put(doc, "contentHash", sha1.get(d.original_sha256))  # FtM checksums are SHA-1
    b.put(doc, "bodyText", "\n\n".join(t.content for t in dispatches.texts(conn, d.id)) or None)
    tr = translations.current(conn, d.id)  # the one rule: final > in review > draft, human first
    if tr is not None:
        b.put(doc, "translatedText", "\n".join(s.target for s in tr.segments))
        b.put(doc, "translatedLanguage", _language(tr.target_language))
    return doc


def build(case: Any) -> list[Any]:
    """Every FtM entity of the case, in a stable order: documents, entities, mentions, events."""
    b = Builder(case.root.name)
    with case.connect() as conn:
        sha1 = {sha: d.sha1 for sha, d in custody.digests_of(conn).items()}
        documents = {d.id: _document(b, conn, d, sha1) for d in dispatches.find(conn)}
        names: dict[int, set[str]] = {}
        for other in entities.aliases(conn):
            names.setdefault(other.entity_id, set()).add(other.name)
        things: dict[int, Any] = {}
        kinds: dict[int, str] = {}
        for ent in entities.find(conn):
            proxy = b.make(SCHEMA_OF_TYPE[ent.type], "entity", ent.id)
            b.put(proxy, "full" if ent.type == "LOC" else "name", ent.name)
            if ent.type != "LOC":
                b.put(proxy, "alias", sorted(names.get(ent.id, set()) - {ent.name}))
            things[ent.id], kinds[ent.id] = proxy, ent.type
        for m in entities.mentions(conn):
            men = b.make("Mention", "mention", m.id)
            b.put(men, "name", m.surface)
            b.put(men, "document", documents[m.dispatch_id].id)
            b.put(men, "detectedSchema", SCHEMA_OF_TYPE[kinds[m.entity_id]])
            if kinds[m.entity_id] != "LOC":
                b.put(men, "resolved", things[m.entity_id].id)
        for c in sorted(claims.find(conn), key=lambda c: c.id):
            ev = b.make("Event", "claim", c.id)
            b.put(ev, "name", c.text if len(c.text) <= 200 else c.text[:197] + "…")
            b.put(ev, "description", c.text_en or c.text)
            b.put(ev, "summary", f"{c.modality}, {c.polarity}; status: {c.status}")
            b.put(ev, "startDate", c.time_start.isoformat() if c.time_start else None)
            b.put(ev, "endDate", c.time_end.isoformat() if c.time_end else None)
            b.put(ev, "proof", documents[c.dispatch_id].id)
            actors, places = entities_in(conn, c.text_id, c.start_char, c.end_char)  # as resolved now
            for a in actors:
                if a["entity_id"] in things:
                    b.put(ev, "involved", things[a["entity_id"]].id)
            for p in places:
                if p["entity_id"] in things:
                    b.put(ev, "addressEntity", things[p["entity_id"]].id)
                    b.put(ev, "location", p["name"])
    return b.entities


def validate(proxy: Any) -> None:
    """Check one entity property by property against its FtM schema; raise a sentence naming what is wrong."""
    try:
        proxy.schema.validate(proxy.to_dict())
    except InvalidData as exc:
        raise ExportError(f"FtM entity {proxy.schema.name} {proxy.id} does not validate: {exc.errors}") from exc
    for prop_name in proxy.schema.required:
        if not proxy.get(prop_name):
            raise ExportError(f"FtM entity {proxy.schema.name} {proxy.id} lacks the required property {prop_name}.")


def require_folder(out: Path) -> None:
    """Refuse to write into a folder that does not exist (a typo must not create paths)."""
    if not out.parent.exists():
        raise ExportError(f"{out.parent}: no such folder; choose where to write the export.")


def export_ftm(case: Any, out: Path) -> dict[str, Any]:
    """Write one FtM entity per line (JSON) to OUT; every entity validated first; audited."""
    entities_ = build(case)
    for proxy in entities_:
        validate(proxy)
    out = Path(out)
    require_folder(out)
    with out.open("w", encoding="utf-8") as fh:
        for proxy in entities_:
            fh.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    counts: dict[str, int] = {}
    for proxy in entities_:
        counts[proxy.schema.name] = counts.get(proxy.schema.name, 0) + 1
    with case.transaction() as conn:
        case.audit(conn, "claims.export.ftm", str(out), {"entities": len(entities_), "schemata": counts})
    return {"file": str(out), "entities": len(entities_), "schemata": counts}
