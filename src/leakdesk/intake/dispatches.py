"""Listing dispatches: the shape `leakdesk dispatches --json` prints and reports use."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import NoSuchRecord, UsageError
from leakdesk.intake.dkim import latest_verdicts
from leakdesk.store import tables as t


def list_dispatches(case: Case, variants_only: bool = False) -> list[dict[str, Any]]:
    """One dict per dispatch (top-level items and their attachments), in id order.

    With `variants_only`, only dispatches involved in a Message-ID clash (the variant and the one it copies).
    """
    d = t.dispatch
    query = (
        sa.select(
            d.c.id, d.c.parent_id, d.c.original_sha256.label("sha256"), d.c.kind, d.c.channel, d.c.filename,
            d.c.media_type, d.c.message_id, d.c.subject, d.c.sender, d.c.date, d.c.date_utc,
            t.series.c.name.label("series"), d.c.language, d.c.status, d.c.error, d.c.variant_of, d.c.pgp_status,
            d.c.pgp_details, d.c.details,
        )
        .select_from(d.outerjoin(t.series, d.c.series_id == t.series.c.id))
        .order_by(d.c.id)
    )
    if variants_only:
        clashing = sa.select(d.c.variant_of).where(d.c.variant_of.is_not(None))
        query = query.where(sa.or_(d.c.variant_of.is_not(None), d.c.id.in_(clashing)))
    with case.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    dkim = latest_verdicts(case)
    with case.connect() as conn:
        desk = desk_facts(conn)
    for row in rows:
        row["set_by_desk"] = desk.get(row["id"], {})
        row["dkim"] = dkim.get(row["id"])  # None: never checked (`leakdesk dkim`)
        details = row.pop("details") or {}
        row["warning"] = "; ".join(details.get("warnings") or []) or None
        row["folder"] = details.get("folder")
        row["ocr"] = details.get("ocr")  # None: not a scan or image
        when = row["date_utc"]
        if when is not None:  # SQLite gives back naive datetimes; they were stored as UTC
            row["date_utc"] = (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()
    return rows


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


def desk_facts(conn: sa.Connection, dispatch_ids: list[int] | None = None) -> dict[int, dict[str, dict[str, Any]]]:
    """The latest desk-supplied value of each field, by dispatch: {id: {"date": {"value", "set_by", "time",
    "note"}}}."""
    f = t.desk_fact
    query = sa.select(f).order_by(f.c.id)
    if dispatch_ids is not None:
        query = query.where(f.c.dispatch_id.in_(dispatch_ids))
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for row in conn.execute(query):
        when = row.time if row.time.tzinfo else row.time.replace(tzinfo=UTC)
        out.setdefault(row.dispatch_id, {})[row.field] = {
            "value": row.value, "set_by": row.actor, "time": when.isoformat(), "note": row.note,
        }
    return out


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
        row = conn.execute(sa.select(t.dispatch.c.id, t.dispatch.c.date, t.dispatch.c.date_utc, t.dispatch.c.sender)
                           .where(t.dispatch.c.id == dispatch_id)).first()
        if row is None:
            raise NoSuchRecord(f"No such dispatch {dispatch_id} in this case.")
        if "date" in values and (row.date or row.date_utc):
            raise UsageError(f"Dispatch {dispatch_id} already has a date from its original ({row.date}); the desk "
                             "cannot replace what the original says.")
        if "sender" in values and row.sender:
            raise UsageError(f"Dispatch {dispatch_id} already has a sender from its original ({row.sender[:200]}); "
                             "the desk cannot replace what the original says.")
        now = datetime.now(UTC)
        for field, (value, utc) in values.items():
            conn.execute(t.desk_fact.insert().values(dispatch_id=dispatch_id, field=field, value=value,
                                                     value_utc=utc, note=note, actor=case.actor, time=now))
        case.audit(conn, "intake.desk-fact", f"dispatch {dispatch_id}",
                   {field: value for field, (value, _utc) in values.items()} | {"note": note})
        facts = desk_facts(conn, [dispatch_id]).get(dispatch_id, {})
    return {"dispatch_id": dispatch_id, "set_by_desk": facts}


# ---------------------------------------------------------------------- variants
MAX_DIFF_LINES = 400
MAX_DIFF_INPUT = 2_000_000


def variant_pairs(case: Case, dispatch_id: int | None = None) -> list[tuple[int, int]]:
    """(earlier, later) pairs of top-level dispatches sharing a Message-ID with different bytes."""
    d = t.dispatch
    query = sa.select(d.c.variant_of, d.c.id).where(d.c.variant_of.is_not(None)).order_by(d.c.id)
    if dispatch_id is not None:
        query = query.where(sa.or_(d.c.id == dispatch_id, d.c.variant_of == dispatch_id))
    with case.connect() as conn:
        if dispatch_id is not None and conn.execute(sa.select(d.c.id).where(d.c.id == dispatch_id)).first() is None:
            raise NoSuchRecord(f"No such dispatch {dispatch_id} in this case.")
        return [(int(a), int(b)) for a, b in conn.execute(query)]


def variant_diff(case: Case, first: int, second: int) -> dict[str, Any]:
    """A neutral comparison of two copies: which differ, and a unified diff of their bytes read as text. Neither
    copy is called the original: arrival order says nothing about which one is genuine."""
    with case.connect() as conn:
        rows = {r.id: r for r in conn.execute(
            sa.select(t.dispatch.c.id, t.dispatch.c.original_sha256, t.dispatch.c.message_id, t.dispatch.c.ingested)
            .where(t.dispatch.c.id.in_([first, second])))}
    for wanted in (first, second):
        if wanted not in rows:
            raise NoSuchRecord(f"No such dispatch {wanted} in this case.")
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
