"""The case report's translation section: every dispatch with its translation status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leakdesk.sections import ReportSection
from leakdesk.store.records import dispatches, translations
from leakdesk.templates import render

if TYPE_CHECKING:
    from leakdesk.case import Case


def status_rows(case: Case) -> list[dict[str, object]]:
    """One row per dispatch that has text: its current translation (the record layer's rule), or none yet."""
    with case.connect() as conn:
        letters = dispatches.find(conn, dispatches.ids_with_text(conn))
        newest = {d: next(t for t in translations.of_dispatch(conn, d) if t.id == tid)
                  for d, (tid, _) in translations.current_ids(conn).items()}
        open_comments = translations.comment_counts(conn)
    rows = []
    for d in letters:
        t = newest.get(d.id)
        rows.append(
            {
                "dispatch": d.id,
                "subject": d.subject or "",
                "language": d.language or "",
                "status": t.status if t else "not translated",
                "by": (t.translator if t.kind == "human" else f"{t.engine} {t.model or ''}".strip()) if t else "",
                "version": t.version if t else None,
                "round": t.round if t else None,
                "confidence": t.confidence if t else None,
                "comments": open_comments.get(t.id, 0) if t else 0,
            }
        )
    return rows


def sections(case: Case) -> list[ReportSection]:
    rows = status_rows(case)
    if not rows:
        return []
    counts: dict[str, int] = {}
    for r in rows:
        counts[str(r["status"])] = counts.get(str(r["status"]), 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    fragment = render("leakdesk.language", "translations_section.html.j2", rows=rows, summary=summary)
    return [ReportSection("Translations", fragment, order=20)]
