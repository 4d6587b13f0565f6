"""Review rounds: comments and corrections on single segments, status changes, diffs between versions.

Every change makes a new version (only the changed segment gets a new row) and an audit entry.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord, TranslationError
from leakdesk.language.records import STATUSES, load_translation
from leakdesk.store.records import translations
from leakdesk.store.records.translations import Segment, Translation

if TYPE_CHECKING:
    from leakdesk.case import Case


def _translation(conn: sa.Connection, translation_id: int) -> Translation:
    """The translation with its newest segments; the desk's sentence when it is not in the case."""
    try:
        return translations.get(conn, translation_id)
    except NoSuchRecord:
        raise TranslationError(f"There is no translation {translation_id} in this case.") from None


def _segment_or_fail(row: Translation, position: int) -> Segment:
    current = row.segments
    if not 0 <= position < len(current):
        raise TranslationError(
            f"Translation {row.id} of dispatch {row.dispatch_id} has segments 0 to {len(current) - 1}; "
            f"there is no segment {position}."
        )
    return current[position]


def correct_segment(case: Case, translation_id: int, position: int, new_target: str) -> int:
    """Replace one segment's translation; returns the new version. A final translation reopens for review."""
    if not new_target.strip():
        raise TranslationError("A correction cannot be empty; comment on the segment instead.")
    with case.transaction() as conn:
        row = _translation(conn, translation_id)
        old = _segment_or_fail(row, position)
        if old.target == new_target:
            raise TranslationError(f"Segment {position} already reads exactly like that; nothing changed.")
        version = translations.correct_segment(conn, translation_id, old.position, new_target, case.actor)
        case.audit(
            conn,
            "translation.correct",
            f"translation/{translation_id}",
            {
                "dispatch": row.dispatch_id,
                "segment": position,
                "version": version,
                "before": old.target,
                "after": new_target,
                "reopened": row.status == "final",
            },
        )
        return version


def comment_segment(case: Case, translation_id: int, position: int, comment: str) -> int:
    """Attach a reviewer's comment to a segment at the current version; returns the comment's id."""
    if not comment.strip():
        raise TranslationError("The comment is empty.")
    with case.transaction() as conn:
        row = _translation(conn, translation_id)
        _segment_or_fail(row, position)
        comment_id = translations.add_comment(conn, translation_id, position, row.version, case.actor, comment)
        if row.status == "draft":
            translations.set_status(conn, translation_id, "in review")
        case.audit(
            conn,
            "translation.comment",
            f"translation/{translation_id}",
            {"dispatch": row.dispatch_id, "segment": position, "version": row.version, "comment": comment},
        )
        return comment_id


def comments(conn: sa.Connection, translation_id: int) -> list[dict[str, Any]]:
    return [
        {"segment": c.position, "version": c.version, "author": c.author, "comment": c.comment, "created": c.created}
        for c in translations.comments(conn, translation_id)
    ]


def set_status(case: Case, translation_id: int, status: str) -> str:
    """Move a translation to draft, in review or final; marking it final closes the round."""
    status = status.replace("-", " ").replace("_", " ").strip().lower()
    if status not in STATUSES:
        raise TranslationError(f"{status!r} is not a translation status; use one of: {', '.join(STATUSES)}.")
    with case.transaction() as conn:
        row = _translation(conn, translation_id)
        if row.status == status:
            raise TranslationError(f"Translation {translation_id} is already {status}.")
        if status == "final" and not any(s.target.strip() for s in row.segments):
            raise TranslationError(f"Translation {translation_id} has no translated text; it cannot be final.")
        translations.set_status(conn, translation_id, status)
        case.audit(
            conn,
            "translation.status",
            f"translation/{translation_id}",
            {
                "dispatch": row.dispatch_id,
                "from": row.status,
                "to": status,
                "version": row.version,
                "round": row.round + 1 if row.status == "final" and status != "final" else row.round,
            },
        )
        return status


def diff_versions(case: Case, translation_id: int, v1: int, v2: int) -> list[dict[str, Any]]:
    """Segments whose translation differs between two versions, with a word-level diff."""
    with case.connect() as conn:
        first = load_translation(conn, translation_id, v1).segments
        second = load_translation(conn, translation_id, v2).segments
    changes = []
    for a, b in zip(first, second, strict=True):
        if a.target != b.target:
            changes.append(
                {
                    "segment": a.position,
                    "source": a.source,
                    "before": a.target,
                    "after": b.target,
                    "author": b.author if b.version > a.version else a.author,
                    "diff": word_diff(a.target, b.target),
                }
            )
    return changes


def word_diff(before: str, after: str) -> str:
    """`[-removed-]{+added+}` inline word diff, readable in a terminal."""
    a, b = before.split(), after.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
        if op in {"delete", "replace"}:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if op in {"insert", "replace"}:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)
