"""The letter page's content: the record-layer page plus its translation, comments, verdict words and the state of
its original; and the two things the page links to (the sanitised HTML part, the original bytes)."""

from __future__ import annotations

import email
import email.policy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nh3

from leakdesk.case import Case
from leakdesk.errors import DeskNotFound, IntegrityError, LeakdeskError, StoreError
from leakdesk.language import review as translation_review
from leakdesk.language.records import TranslationView, load_translation
from leakdesk.store.records import desk
from leakdesk.web.evidence_view import LetterExposure, claims_evidence, letter_exposure
from leakdesk.web.overview import LETTERS, OverviewLine, line
from leakdesk.web.status import verdict_sentence

MAX_HTML = 2_000_000  # characters of an HTML part the desk will sanitise and show
HTML_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "area", "map"}  # nothing that loads or links a resource


@dataclass
class LetterView:
    page: desk.LetterPage
    line: OverviewLine
    translation: TranslationView | None
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    verdict_words: str = ""
    original_state: str = ""
    has_html: bool = False
    paragraphs: list[str] = field(default_factory=list)  # the original text when there is no translation
    exposure: LetterExposure | None = None
    evidence: dict[int, Any] = field(default_factory=dict)  # claim id -> the narrative monitor's evidence

    def as_json(self) -> dict[str, Any]:
        p = self.page
        tr = self.translation
        return {
            **self.line.as_json(),
            "headers": [{"name": h["name"], "value": h["decoded"] or h["raw"]} for h in p.headers],
            "original": {k: p.original.get(k) for k in ("sha256", "size", "media_type")},
            "original_state": self.original_state,
            "custody": [{"time": c["time"], "event": c["event"], "channel": c["channel"], "source": c["source"],
                         "location": c["location"], "actor": c["actor"]} for c in p.custody],
            "attachments": [{"id": a["id"], "filename": a["filename"], "media_type": a["media_type"],
                             "size": a["size"]} for a in p.attachments],
            "verdict": None if p.verdict is None else {
                "decision": p.verdict["decision"], "probability": p.verdict["probability"],
                "sentence": self.verdict_words, "reasons": p.verdict["reasons"]},
            "reviews": [{"reviewer": r["reviewer"], "verdict": r["verdict"], "confidence": r["confidence"],
                         "note": r["note"], "created": r["created"]} for r in p.reviews],
            "translation": None if tr is None else {
                "id": tr.id, "status": tr.status, "version": tr.version, "round": tr.round,
                "segments": [{"position": s.position, "source": s.source, "target": s.target,
                              "origin": s.origin, "author": s.author,
                              "comments": self.comments.get(s.position, [])} for s in tr.segments]},
            "claims": [{"id": c["id"], "text": c["text"], "status": c["status"], "time": c["time_text"]}
                       for c in p.claims],
            "dates": [{"surface": d["surface"], "value": d["value"], "start": d["interval_start"],
                       "end": d["interval_end"]} for d in p.dates],
            "exposure": self.exposure.as_json() if self.exposure else None,
            "stream_evidence": {str(k): v.as_dict() for k, v in self.evidence.items()},
        }


def _original_state(case: Case, sha256: str | None) -> str:
    if not sha256:
        return "no original recorded"
    try:
        case.originals.verified_path(sha256)
    except IntegrityError as exc:
        return f"damaged: {exc}"
    except (StoreError, OSError) as exc:
        return f"missing: {exc}"
    # The page may be served from the cache until the case changes: say when the bytes were re-hashed.
    return f"intact (sha256 re-checked {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)"


def build(case: Case, dispatch_id: int) -> LetterView:
    with case.connect() as conn:
        page = desk.letter_page(conn, dispatch_id, LETTERS.get(case, conn).by_id)
        tr = load_translation(conn, page.letter.translation_id) if page.letter.translation_id else None
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if tr is not None:
            for c in translation_review.comments(conn, tr.id):
                grouped[c["segment"]].append(c)
    view = LetterView(page, line(page.letter), tr, dict(grouped))
    view.verdict_words = verdict_sentence(page.verdict["decision"] if page.verdict else None,
                                          page.verdict["probability"] if page.verdict else None)
    view.original_state = _original_state(case, page.original.get("sha256"))
    view.has_html = any(t["role"] == "html-body" for t in page.texts)
    body = next((t for t in page.texts if t["role"] in ("body", "decrypted", "attachment")), None)
    if tr is None and body is not None:
        view.paragraphs = [p for p in body["content"].split("\n\n") if p.strip()]
    view.exposure = letter_exposure(case, page, body["content"] if body else None)
    view.evidence = claims_evidence(case, dispatch_id)
    return view


def check_translation(case: Case, dispatch_id: int, translation_id: int) -> None:
    """A form names a translation of this letter, not of another one."""
    with case.connect() as conn:
        try:
            found = load_translation(conn, translation_id)
        except LeakdeskError:
            found = None
    if found is None or found.dispatch_id != dispatch_id:
        raise DeskNotFound(f"Dispatch {dispatch_id} has no translation {translation_id}.")


def original_bytes(case: Case, dispatch_id: int) -> tuple[bytes, str]:
    with case.connect() as conn:
        page = desk.letter_page(conn, dispatch_id, LETTERS.get(case, conn).by_id)
    sha = page.original.get("sha256")
    if not sha:
        raise DeskNotFound(f"Dispatch {dispatch_id} has no original recorded.")
    safe = "".join(ch for ch in (page.dispatch.get("filename") or "") if ch.isalnum() or ch in "._-")[:100]
    return case.originals.read_bytes(sha), safe or f"dispatch-{dispatch_id}-{sha[:12]}.bin"


def sanitised_html(case: Case, dispatch_id: int) -> str:
    """The HTML part of the letter's original email, through nh3: no script, no style sheet, no image, no form."""
    data, _ = original_bytes(case, dispatch_id)
    message = email.message_from_bytes(data, policy=email.policy.default)
    part = message.get_body(preferencelist=("html",)) if hasattr(message, "get_body") else None
    if part is None:
        raise DeskNotFound(f"Dispatch {dispatch_id} has no HTML part.")
    html = str(part.get_content())[:MAX_HTML]  # type: ignore[attr-defined]
    return nh3.clean(html, tags=HTML_TAGS, url_schemes={"https", "http", "mailto"}, link_rel="noopener noreferrer")
