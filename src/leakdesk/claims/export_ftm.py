"""FollowTheMoney export (for Aleph and friends): letters, entities, mentions and claims as events.

Mapping: email dispatch → `Email`, other dispatch → `Document` (English translation in `translatedText`);
PER → `Person`, ORG → `Organization`, LOC → `Address`; each mention → `Mention`; each claim → `Event`.
Every value goes through FtM's own cleaning; a value FtM would silently drop is an error here instead, and every
entity is validated against its schema before it is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from followthemoney import model
from followthemoney.exc import InvalidData

from leakdesk.claims.claims import entities_in
from leakdesk.errors import ClaimsError
from leakdesk.store.tables import alias, claim, dispatch, entity, mention, original, segment, text, translation

SCHEMA_OF_TYPE = {"PER": "Person", "ORG": "Organization", "LOC": "Address"}


class Builder:
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
                raise ClaimsError(f"FollowTheMoney refused {v!r} as {proxy.schema.name}.{prop}.")
            proxy.add(prop, v)


def _language(code: str | None) -> str | None:
    return {"ru": "rus", "en": "eng", "ja": "jpn", "uk": "ukr", "de": "deu", "fr": "fra"}.get(code or "", None)


def _translations(conn: sa.Connection) -> dict[int, tuple[str, str]]:
    """Newest English translation text per dispatch (segments at the translation's current version)."""
    out: dict[int, tuple[str, str]] = {}
    for tr in conn.execute(sa.select(translation).order_by(translation.c.id)):
        rows = conn.execute(sa.select(segment.c.position, segment.c.target, segment.c.version)
                            .where(segment.c.translation_id == tr.id, segment.c.version <= tr.version)
                            .order_by(segment.c.position, segment.c.version)).all()
        latest = {r.position: r.target for r in rows}
        out[tr.dispatch_id] = ("\n".join(latest[p] for p in sorted(latest)), tr.target_language)
    return out


def build(case: Any) -> list[Any]:
    b = Builder(case.root.name)
    with case.connect() as conn:
        translated = _translations(conn)
        bodies: dict[int, list[str]] = {}
        for row in conn.execute(sa.select(text.c.dispatch_id, text.c.content).order_by(text.c.id)):
            bodies.setdefault(row.dispatch_id, []).append(row.content)
        documents: dict[int, Any] = {}
        sha1 = {r.sha256: r.sha1 for r in conn.execute(sa.select(original.c.sha256, original.c.sha1))}
        for d in conn.execute(sa.select(dispatch).order_by(dispatch.c.id)):
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
            b.put(doc, "bodyText", "\n\n".join(bodies.get(d.id, [])) or None)
            if d.id in translated:
                b.put(doc, "translatedText", translated[d.id][0])
                b.put(doc, "translatedLanguage", _language(translated[d.id][1]))
            documents[d.id] = doc
        things: dict[int, Any] = {}
        for ent in conn.execute(sa.select(entity).order_by(entity.c.id)):
            proxy = b.make(SCHEMA_OF_TYPE[ent.type], "entity", ent.id)
            b.put(proxy, "full" if ent.type == "LOC" else "name", ent.name)
            if ent.type != "LOC":
                names = [r.name for r in conn.execute(sa.select(alias.c.name).where(alias.c.entity_id == ent.id))]
                b.put(proxy, "alias", sorted(set(names) - {ent.name}))
            things[ent.id] = proxy
        for m in conn.execute(sa.select(mention, entity.c.type).join(entity, entity.c.id == mention.c.entity_id)
                              .order_by(mention.c.id)):
            men = b.make("Mention", "mention", m.id)
            b.put(men, "name", m.surface)
            b.put(men, "document", documents[m.dispatch_id].id)
            b.put(men, "detectedSchema", SCHEMA_OF_TYPE[m.type])
            if m.type != "LOC":
                b.put(men, "resolved", things[m.entity_id].id)
        for c in conn.execute(sa.select(claim).order_by(claim.c.id)):
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
        raise ClaimsError(f"FtM entity {proxy.schema.name} {proxy.id} does not validate: {exc.errors}") from exc
    for prop_name in proxy.schema.required:
        if not proxy.get(prop_name):
            raise ClaimsError(f"FtM entity {proxy.schema.name} {proxy.id} lacks the required property {prop_name}.")


def export_ftm(case: Any, out: Path) -> dict[str, Any]:
    """Write one FtM entity per line (JSON) to OUT; every entity validated first."""
    entities = build(case)
    for proxy in entities:
        validate(proxy)
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise ClaimsError(f"{out.parent}: no such folder; choose where to write the export.")
    with out.open("w", encoding="utf-8") as fh:
        for proxy in entities:
            fh.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    counts: dict[str, int] = {}
    for proxy in entities:
        counts[proxy.schema.name] = counts.get(proxy.schema.name, 0) + 1
    with case.transaction() as conn:
        case.audit(conn, "claims.export.ftm", str(out), {"entities": len(entities), "schemata": counts})
    return {"file": str(out), "entities": len(entities), "schemata": counts}
