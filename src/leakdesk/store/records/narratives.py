"""Media streams, their files and items, and the narrative mentions found in them (issue 13).

A stream file is registered as an original with its custody row (`custody.register_original`); its items are
deduplicated per stream by `dedup_key`. Mentions of a target are replaced as a whole for one (target, label family)
on every run, so the store holds one consistent analysis.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord
from leakdesk.store.records.common import new_id, now, utc
from leakdesk.store.tables import (
    claim_stream_evidence,
    media_item,
    media_stream,
    narrative_mention,
    stream_file,
    timex,
)

BATCH = 2000


@dataclass(frozen=True)
class StreamSummary:
    name: str
    items: int
    first: date | None
    last: date | None
    sources: list[str]
    files: int
    problems: int


@dataclass(frozen=True)
class Item:
    id: int
    dedup_key: str
    date: date
    content: str
    language: str | None
    source: str | None
    url: str | None
    location: str


def stream_id(conn: sa.Connection, name: str, actor: str) -> tuple[int, bool]:
    """The id of the stream called `name`, made if new (True when it was made)."""
    found = conn.execute(sa.select(media_stream.c.id).where(media_stream.c.name == name)).scalar()
    if found is not None:
        return int(found), False
    return new_id(conn.execute(media_stream.insert().values(name=name, actor=actor, created=now()))), True


def add_file(conn: sa.Connection, stream: int, sha256: str, fmt: str, path: str, actor: str) -> int:
    return new_id(conn.execute(stream_file.insert().values(
        stream_id=stream, original_sha256=sha256, format=fmt, path=path, items=0, duplicates=0, problems=[],
        actor=actor, created=now())))


def finish_file(conn: sa.Connection, file_id: int, items: int, duplicates: int,
                problems: list[dict[str, str]]) -> None:
    conn.execute(stream_file.update().where(stream_file.c.id == file_id).values(
        items=items, duplicates=duplicates, problems=problems))


def known_keys(conn: sa.Connection, stream: int) -> set[str]:
    return set(conn.execute(sa.select(media_item.c.dedup_key).where(media_item.c.stream_id == stream)).scalars())


def add_item(conn: sa.Connection, stream: int, file_id: int, *, dedup_key: str, location: str, published: str,
             day: date, content: str, source: str | None, url: str | None, title: str | None,
             language: str | None) -> int:
    return new_id(conn.execute(media_item.insert().values(
        stream_id=stream, file_id=file_id, dedup_key=dedup_key, location=location[:200], published=published[:60],
        date=day, source=source, url=url, title=title, content=content, language=language, created=now())))


def streams(conn: sa.Connection) -> list[StreamSummary]:
    """Every stream with its item count, dates covered, sources, files and problems."""
    return [s for _, s in _summaries(conn)]


def _summaries(conn: sa.Connection, *where: Any) -> list[tuple[int, StreamSummary]]:
    out = []
    for s in conn.execute(sa.select(media_stream).where(*where).order_by(media_stream.c.name)).all():
        count, first, last = conn.execute(
            sa.select(sa.func.count(), sa.func.min(media_item.c.date), sa.func.max(media_item.c.date))
            .where(media_item.c.stream_id == s.id)).one()
        files = conn.execute(sa.select(stream_file.c.problems).where(stream_file.c.stream_id == s.id)).scalars().all()
        sources = conn.execute(sa.select(media_item.c.source).where(media_item.c.stream_id == s.id)
                               .distinct().order_by(media_item.c.source)).scalars().all()
        out.append((s.id, StreamSummary(s.name, count, first, last, [x for x in sources if x], len(files),
                                        sum(len(p) for p in files))))
    return out


def no_such_stream(conn: sa.Connection, name: str) -> NoSuchRecord:
    """The one error for a stream name the case does not hold, naming the streams it does hold."""
    names = list(conn.execute(sa.select(media_stream.c.name).order_by(media_stream.c.name)).scalars())
    hint = f" Streams in this case: {', '.join(names)}." if names else " This case has no media streams yet."
    return NoSuchRecord(f"No such stream '{name}' in this case.{hint}")


def stream_by_name(conn: sa.Connection, name: str) -> tuple[int, StreamSummary]:
    """The id and summary of the stream called `name`; `no_such_stream` when there is none."""
    found = next(((i, s) for i, s in _summaries(conn, media_stream.c.name == name.strip())), None)
    if found is None:
        raise no_such_stream(conn, name)
    return found


def files_of(conn: sa.Connection, stream: int) -> list[dict[str, Any]]:
    """The files loaded into a stream, oldest first: original, format, path, what came out, problems."""
    rows = conn.execute(sa.select(stream_file).where(stream_file.c.stream_id == stream).order_by(stream_file.c.id))
    return [{"sha256": r.original_sha256, "format": r.format, "path": r.path, "items": r.items,
             "duplicates": r.duplicates, "problems": r.problems, "actor": r.actor,
             "added": (utc(r.created) or r.created).isoformat()} for r in rows]


def evidence_drawn_from(conn: sa.Connection, stream: int) -> list[int]:
    """Claims whose attached stream evidence was drawn from an analysis this stream's items are part of."""
    analysed_here = (sa.select(narrative_mention.c.target, narrative_mention.c.label_family)
                     .join(media_item, media_item.c.id == narrative_mention.c.item_id)
                     .where(media_item.c.stream_id == stream).distinct())
    pairs = set(conn.execute(analysed_here).tuples())
    attached = conn.execute(sa.select(claim_stream_evidence.c.claim_id, claim_stream_evidence.c.target,
                                      claim_stream_evidence.c.label_family))
    return sorted({r.claim_id for r in attached if (r.target, r.label_family) in pairs})


def remove_stream(conn: sa.Connection, stream: int) -> dict[str, int]:
    """Delete a stream's items, their analysed sentences, its file rows and the stream itself. The files'
    originals and custody rows stay (originals are write-once); the caller audits the removal."""
    item_ids = sa.select(media_item.c.id).where(media_item.c.stream_id == stream).scalar_subquery()
    mentions = conn.execute(narrative_mention.delete().where(narrative_mention.c.item_id.in_(item_ids))).rowcount
    item_count = conn.execute(media_item.delete().where(media_item.c.stream_id == stream)).rowcount
    files = conn.execute(stream_file.delete().where(stream_file.c.stream_id == stream)).rowcount
    conn.execute(media_stream.delete().where(media_stream.c.id == stream))
    return {"items": int(item_count), "mentions": int(mentions), "files": int(files)}


def items(conn: sa.Connection) -> list[Item]:
    """Every item of every stream, oldest first; an item held by two streams comes once."""
    seen: set[str] = set()
    out = []
    for r in conn.execute(sa.select(media_item.c.id, media_item.c.dedup_key, media_item.c.date, media_item.c.content,
                                    media_item.c.language, media_item.c.source, media_item.c.url,
                                    media_item.c.location).order_by(media_item.c.date, media_item.c.id)):
        if r.dedup_key not in seen:
            seen.add(r.dedup_key)
            out.append(Item(*r))
    return out


def date_range(conn: sa.Connection) -> tuple[date | None, date | None]:
    first, last = conn.execute(sa.select(sa.func.min(media_item.c.date), sa.func.max(media_item.c.date))).one()
    return first, last


def replace_mentions(conn: sa.Connection, target: str, family: str, rows: Iterable[dict[str, Any]]) -> int:
    """Replace the stored mentions of (target, family) with `rows`; returns how many were stored."""
    conn.execute(narrative_mention.delete().where(narrative_mention.c.target == target,
                                                  narrative_mention.c.label_family == family))
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        batch.append({**row, "target": target, "label_family": family, "created": now()})
        if len(batch) >= BATCH:
            conn.execute(narrative_mention.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(narrative_mention.insert(), batch)
        count += len(batch)
    return count


def daily_counts(conn: sa.Connection, target: str, family: str) -> dict[date, tuple[int, int]]:
    """Per day: (hits, mentions) of the target."""
    out: dict[date, list[int]] = {}
    for day, hit, n in conn.execute(
            sa.select(narrative_mention.c.date, narrative_mention.c.hit, sa.func.count())
            .where(narrative_mention.c.target == target, narrative_mention.c.label_family == family)
            .group_by(narrative_mention.c.date, narrative_mention.c.hit)):
        counts = out.setdefault(day, [0, 0])
        counts[1] += n
        if hit:
            counts[0] += n
    return {d: (h, m) for d, (h, m) in out.items()}


def top_hits(conn: sa.Connection, target: str, family: str, since: date | None, limit: int) -> list[dict[str, Any]]:
    """The first hits (from `since` on), highest score first within a day, with their item's source and URL."""
    query = (sa.select(narrative_mention.c.date, narrative_mention.c.sentence, narrative_mention.c.score,
                       narrative_mention.c.label_surface, media_item.c.source, media_item.c.url,
                       media_item.c.location)
             .join(media_item, media_item.c.id == narrative_mention.c.item_id)
             .where(narrative_mention.c.target == target, narrative_mention.c.label_family == family,
                    narrative_mention.c.hit.is_(True))
             .order_by(narrative_mention.c.date, narrative_mention.c.score.desc()).limit(limit))
    if since:
        query = query.where(narrative_mention.c.date >= since)
    return [{"date": r.date.isoformat(), "sentence": r.sentence, "label": r.label_surface, "score": r.score,
             "source": r.source, "url": r.url, "location": r.location} for r in conn.execute(query)]


def analysed(conn: sa.Connection) -> list[tuple[str, str]]:
    """Every (target, label family) with stored mentions."""
    return [(r[0], r[1]) for r in conn.execute(
        sa.select(narrative_mention.c.target, narrative_mention.c.label_family).distinct()
        .order_by(narrative_mention.c.target, narrative_mention.c.label_family))]


def date_before(conn: sa.Connection, text_id: int, position: int) -> tuple[date, date | None] | None:
    """The interval of the last dated expression before `position` in a text (a claim's "тогда же" context)."""
    row = conn.execute(
        sa.select(timex.c.interval_start, timex.c.interval_end)
        .where(timex.c.text_id == text_id, timex.c.start_char < position, timex.c.interval_start.is_not(None),
               timex.c.type == "DATE")
        .order_by(timex.c.start_char.desc()).limit(1)).first()
    return (row.interval_start, row.interval_end) if row else None


# --------------------------------------------------------------------------- stream evidence attached to a claim


@dataclass(frozen=True)
class AttachedEvidence:
    id: int
    claim_id: int
    dispatch_id: int
    target: str
    label_family: str
    onset: date | None
    evidence: dict[str, Any]
    digest: str
    note: str | None
    actor: str
    created: datetime


def _attached(r: Any) -> AttachedEvidence:
    return AttachedEvidence(r.id, r.claim_id, r.dispatch_id, r.target, r.label_family, r.onset, dict(r.evidence),
                            r.digest, r.note, r.actor, utc(r.created) or r.created)


def attached_evidence(conn: sa.Connection, claim_id: int | None = None) -> list[AttachedEvidence]:
    """Stream evidence attached to one claim (or to every claim), oldest first."""
    query = sa.select(claim_stream_evidence).order_by(claim_stream_evidence.c.id)
    if claim_id is not None:
        query = query.where(claim_stream_evidence.c.claim_id == claim_id)
    return [_attached(r) for r in conn.execute(query)]


def find_attached(conn: sa.Connection, claim_id: int, digest: str) -> AttachedEvidence | None:
    row = conn.execute(sa.select(claim_stream_evidence).where(claim_stream_evidence.c.claim_id == claim_id,
                                                              claim_stream_evidence.c.digest == digest)).first()
    return _attached(row) if row else None


def attach_evidence(conn: sa.Connection, *, claim_id: int, dispatch_id: int, target: str, family: str,
                    onset: date | None, onset_low: date | None, onset_high: date | None, evidence: dict[str, Any],
                    digest: str, note: str | None, actor: str) -> AttachedEvidence:
    """Store a snapshot of stream evidence beside a claim (the caller audits it in the same transaction)."""
    stamp = now()
    row_id = new_id(conn.execute(claim_stream_evidence.insert().values(
        claim_id=claim_id, dispatch_id=dispatch_id, target=target, label_family=family, onset=onset,
        onset_low=onset_low, onset_high=onset_high, evidence=evidence, digest=digest, note=note, actor=actor,
        created=stamp)))
    return AttachedEvidence(row_id, claim_id, dispatch_id, target, family, onset, evidence, digest, note, actor, stamp)
