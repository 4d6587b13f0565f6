"""The claims capability's pipeline stages: entities, entities carried onto translations, dates, claims.

Claims read what the earlier stages stored: the mentions of the entities stage, the `timex` rows of the dates stage
and the aligned English translation; each of those is part of a claim item's input hash.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from leakdesk.claims.checkworthy import MODEL_VERSION
from leakdesk.claims.claims import CLAIMS_VERSION
from leakdesk.claims.ner import NER_VERSION
from leakdesk.claims.timex.casework import VERSION as TIMEX_VERSION
from leakdesk.store.records import dates, dispatches, translations
from leakdesk.store.records.provenance import Stage, content_hash, item_id, upstream


def _readable_texts(case: Any, conn: sa.Connection) -> list[str]:
    from leakdesk.claims.entities import readable_texts

    return [f"text:{r.id}" for r, reason in readable_texts(conn) if reason is None]


def _text_inputs(case: Any, conn: sa.Connection, item: str) -> Any:
    found = dispatches.text_by_id(conn, item_id(item))
    return {"content": content_hash(found.content) if found else None, "languages": list(case.settings.languages)}


def _entities(case: Any, item: str) -> dict[str, Any]:
    from leakdesk.claims.entities import entities_of_text

    return entities_of_text(case, item_id(item))


def _translations(case: Any, conn: sa.Connection) -> list[str]:
    return [f"translation:{t.id}" for d in dispatches.find(conn) for t in translations.of_dispatch(conn, d.id)]


def _carry_inputs(case: Any, conn: sa.Connection, item: str) -> Any:
    tr = translations.get(conn, item_id(item))
    return {"version": tr.version, "entities": upstream(conn, "entities", f"text:{tr.text_id}")}


def _carry(case: Any, item: str) -> dict[str, Any]:
    from leakdesk.claims.entities import carry_translation

    return carry_translation(case, item_id(item))


def _all_dispatches(case: Any, conn: sa.Connection) -> list[str]:
    return [f"dispatch:{i}" for i in dispatches.ids(conn)]


def _dates_inputs(case: Any, conn: sa.Connection, item: str) -> Any:
    dispatch_id = item_id(item)
    anchor = dates.anchor_date(conn, dispatch_id)
    return {"texts": dispatches.text_digests(conn, [dispatch_id]).get(dispatch_id, []),
            "anchor": [anchor.date, anchor.source], "languages": list(case.settings.languages)}


def _dates(case: Any, item: str) -> dict[str, Any]:
    from leakdesk.claims.timex.casework import extract_case_dates

    return {"timex": len(extract_case_dates(case, item_id(item)))}


def _claim_inputs(case: Any, conn: sa.Connection, item: str) -> Any:
    found = dispatches.text_by_id(conn, item_id(item))
    if found is None:
        return None
    english = translations.current(conn, found.dispatch_id, "en", text_id=found.id)
    return {"content": content_hash(found.content), "entities": upstream(conn, "entities", item),
            "dates": upstream(conn, "dates", f"dispatch:{found.dispatch_id}"),
            "anchor": str(dates.anchor_date(conn, found.dispatch_id).date),
            "english": [english.id, english.version] if english else None}


def _claims(case: Any, item: str) -> dict[str, Any]:
    from leakdesk.claims.claims import claims_of_text

    return claims_of_text(case, item_id(item))


STAGES = [
    Stage("entities", NER_VERSION, reads=("text",), writes=("entity", "alias", "mention"),
          items=_readable_texts, inputs=_text_inputs, run=_entities,
          description="people, places and organisations named in each text"),
    Stage("entity-carry", NER_VERSION, reads=("mention", "translation", "segment"), writes=("mention",),
          items=_translations, inputs=_carry_inputs, run=_carry,
          description="the original's entities found again in each translation"),
    Stage("dates", TIMEX_VERSION, reads=("text", "dispatch", "custody"), writes=("timex",),
          items=_all_dispatches, inputs=_dates_inputs, run=_dates,
          description="temporal expressions, anchored on each letter's own date"),
    Stage("claims", f"{CLAIMS_VERSION}+{MODEL_VERSION}", reads=("text", "mention", "timex", "segment"),
          writes=("claim",),
          items=_readable_texts, inputs=_claim_inputs, run=_claims,
          description="check-worthy claims with who, where, when"),
]
