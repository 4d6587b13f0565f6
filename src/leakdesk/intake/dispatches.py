"""Listing dispatches: the shape `leakdesk dispatch list --json` prints and reports use."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from leakdesk.case import Case
from leakdesk.errors import UsageError
from leakdesk.intake.dkim import latest_verdicts
from leakdesk.intake.smime import latest_verdicts as latest_smime_verdicts
from leakdesk.store.records import desk_facts, dispatches
from leakdesk.store.records.dispatches import Dispatch


def list_dispatches(case: Case, variants_only: bool = False) -> list[dict[str, Any]]:
    """One dict per dispatch (top-level items and their attachments), in id order.

    With `variants_only`, only dispatches involved in a Message-ID clash (the variant and the one it copies).
    """
    with case.connect() as conn:
        found = dispatches.find(conn)
        desk = desk_facts.latest(conn)
    if variants_only:
        copied = {d.variant_of for d in found if d.variant_of is not None}
        found = [d for d in found if d.variant_of is not None or d.id in copied]
    dkim = latest_verdicts(case)
    smime = latest_smime_verdicts(case)
    return [_listed(d, desk.get(d.id, {}), dkim.get(d.id), smime.get(d.id)) for d in found]


def _listed(d: Dispatch, set_by_desk: dict[str, Any], dkim: dict[str, Any] | None,
            smime: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": d.id, "parent_id": d.parent_id, "sha256": d.original_sha256, "kind": d.kind, "channel": d.channel,
        "filename": d.filename, "media_type": d.media_type, "message_id": d.message_id, "subject": d.subject,
        "sender": d.sender, "date": d.date, "date_utc": d.date_utc.isoformat() if d.date_utc else None,
        "series": d.series, "language": d.language, "status": d.status, "error": d.error,
        "variant_of": d.variant_of, "pgp_status": d.pgp_status, "pgp_details": d.pgp_details,
        "set_by_desk": set_by_desk,
        "dkim": dkim,  # None: never checked (`leakdesk dispatch dkim`)
        "smime": smime,  # None: not S/MIME-signed, or never checked (`leakdesk dispatch smime --ca FILE`)
        "warning": "; ".join(d.details.get("warnings") or []) or None,
        "folder": d.details.get("folder"),
        "ocr": d.details.get("ocr"),  # None: not a scan or image
    }


# ---------------------------------------------------------------------- facts set by the desk
DESK_FIELDS = ("date", "sender")
MAX_SENDER = 500
MAX_NOTE = 2000


def parse_desk_date(value: str) -> tuple[str, datetime]:
    """(ISO 8601 as the desk meant it, the instant in UTC). Accepts 2021-08-03, 2021-08-03T14:05[+03:00] and
    RFC 5322 dates ("Tue, 03 Aug 2021 14:05:00 +0300"); a time without a zone is read as UTC."""
    text = value.strip()
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
    if when is None:
        raise UsageError(f"'{value[:80]}' is not a date leakdesk can read; write it as 2021-08-03, "
                         "2021-08-03T14:05+03:00 or as in an email's Date header.")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    shown = text[:10] if len(text) == 10 else when.isoformat()
    return shown, when.astimezone(UTC)


def set_desk_facts(case: Case, dispatch_id: int, *, date: str | None = None, sender: str | None = None,
                   note: str | None = None) -> dict[str, Any]:
    """Set a date or sender on a letter whose original has none. Audited under the desk's actor; the original's
    own facts are never replaced (a letter that has a Date header keeps it)."""
    if date is None and sender is None:
        raise UsageError("Give --date or --sender (or both) to set on the dispatch.")
    values: dict[str, tuple[str, datetime | None]] = {}
    if date is not None:
        values["date"] = parse_desk_date(date)
    if sender is not None:
        cleaned = " ".join(sender.split())
        if not cleaned:
            raise UsageError("The sender is empty; give the name or address the desk knows.")
        if len(cleaned) > MAX_SENDER:
            raise UsageError(f"The sender is {len(cleaned):,} characters long; at most {MAX_SENDER} are kept.")
        values["sender"] = (cleaned, None)
    if note is not None and len(note) > MAX_NOTE:
        raise UsageError(f"The note is {len(note):,} characters long; at most {MAX_NOTE:,} are kept.")
    with case.transaction() as conn:
        row = dispatches.get(conn, dispatch_id)
        if "date" in values and (row.date or row.date_utc):
            raise UsageError(f"Dispatch {dispatch_id} already has a date from its original ({row.date}); the desk "
                             "cannot replace what the original says.")
        if "sender" in values and row.sender:
            raise UsageError(f"Dispatch {dispatch_id} already has a sender from its original ({row.sender[:200]}); "
                             "the desk cannot replace what the original says.")
        now = datetime.now(UTC)
        for field, (value, utc) in values.items():
            desk_facts.add(conn, dispatch_id, field, value, utc, note, case.actor, now)
        case.audit(conn, "intake.desk-fact", f"dispatch {dispatch_id}",
                   {field: value for field, (value, _utc) in values.items()} | {"note": note})
        facts = desk_facts.latest(conn, [dispatch_id]).get(dispatch_id, {})
    return {"dispatch_id": dispatch_id, "set_by_desk": facts}


# ---------------------------------------------------------------------- variants
MAX_DIFF_LINES = 400
MAX_DIFF_INPUT = 2_000_000


def variant_pairs(case: Case, dispatch_id: int | None = None) -> list[tuple[int, int]]:
    """(earlier, later) pairs of top-level dispatches sharing a Message-ID with different bytes."""
    with case.connect() as conn:
        if dispatch_id is not None:
            dispatches.get(conn, dispatch_id)  # "No such dispatch 33 in this case."
        found = dispatches.find(conn)
    return [(d.variant_of, d.id) for d in found if d.variant_of is not None
            and (dispatch_id is None or dispatch_id in (d.id, d.variant_of))]


def variant_diff(case: Case, first: int, second: int) -> dict[str, Any]:
    """A neutral comparison of two copies: which differ, and a unified diff of their bytes read as text. Neither
    copy is called the original: arrival order says nothing about which one is genuine."""
    with case.connect() as conn:
        rows = {wanted: dispatches.get(conn, wanted) for wanted in (first, second)}
    texts = []
    for wanted in (first, second):
        data = case.originals.read_bytes(rows[wanted].original_sha256)[:MAX_DIFF_INPUT]
        texts.append(data.decode("utf-8", errors="backslashreplace").replace("\r\n", "\n").splitlines())
    lines = list(difflib.unified_diff(texts[0], texts[1], f"dispatch {first}", f"dispatch {second}", lineterm="",
                                      n=2))
    cut = len(lines) > MAX_DIFF_LINES
    return {
        "message_id": rows[first].message_id,
        "dispatches": [first, second],
        "sha256": [rows[first].original_sha256, rows[second].original_sha256],
        "summary": f"two different copies share this Message-ID: dispatches {first} and {second}",
        "diff": lines[:MAX_DIFF_LINES],
        "diff_truncated": cut,
    }
