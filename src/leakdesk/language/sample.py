"""Translations of the bundled sample case: import each letter's English translation, align it, mark it final.

Used by the demo; the sample's manifest names each letter's translation file and translator, and lists the glossary
entries the desk agreed on (one of which a translation renders inconsistently, on purpose).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from rapidfuzz import fuzz

from leakdesk.errors import TranslationError
from leakdesk.language.glossary import add_term
from leakdesk.language.human import import_translation
from leakdesk.language.review import set_status
from leakdesk.store.records import dispatches

if TYPE_CHECKING:
    from leakdesk.case import Case


def _find_dispatch(conn: sa.Connection, letter: dict[str, Any], original: str) -> int | None:
    """The dispatch holding this letter: by Message-ID (not a tampered variant), else by the closest text."""
    letters = dispatches.find(conn, top_level=True)
    if letter.get("message_id"):
        rows = [d for d in letters if d.message_id == letter["message_id"]]
        if len(rows) == 1:
            return rows[0].id
        if rows:
            return _closest(conn, [r.id for r in rows], original)
    ids = [d.id for d in letters]
    return _closest(conn, ids, original) if ids else None


def _closest(conn: sa.Connection, dispatch_ids: list[int], original: str) -> int | None:
    best, best_score = None, 0.0
    rows = sorted((t for found in dispatches.texts_of(conn, dispatch_ids).values() for t in found), key=lambda t: t.id)
    for row in rows:
        score = fuzz.ratio(row.content.strip(), original.strip())
        if score > best_score:
            best, best_score = row.dispatch_id, score
    return int(best) if best is not None and best_score >= 80 else None


def import_sample_translations(case: Case, sample_dir: Path) -> list[dict[str, Any]]:
    """Import, align and finalise every sample letter's translation; add the sample glossary. One row per letter."""
    sample_dir = Path(sample_dir)
    manifest = json.loads((sample_dir / "manifest.json").read_text("utf-8"))
    results: list[dict[str, Any]] = []
    for letter in manifest["letters"]:
        if not letter.get("translation"):
            continue
        original = (sample_dir / letter["text"]).read_text("utf-8")
        with case.connect() as conn:
            dispatch_id = _find_dispatch(conn, letter, original)
        row: dict[str, Any] = {"letter": letter["number"], "dispatch": dispatch_id}
        if dispatch_id is None:
            row["problem"] = "not found in the case (ingest the sample's mail first)"
            results.append(row)
            continue
        try:
            view = import_translation(
                case,
                dispatch_id,
                sample_dir / letter["translation"],
                translator=letter.get("translator") or manifest.get("translator"),
            )
            set_status(case, view.id, "final")
        except TranslationError as exc:
            row["problem"] = str(exc)
            results.append(row)
            continue
        row |= {
            "translation": view.id,
            "confidence": view.confidence,
            "segments": len(view.segments),
            "beads": view.details.get("beads"),
            "status": "final",
        }
        results.append(row)
    for entry in manifest.get("glossary", []):
        try:
            add_term(case, entry["source"], entry["target"], entry.get("note"))
        except TranslationError:
            pass  # already in the glossary
    return results
