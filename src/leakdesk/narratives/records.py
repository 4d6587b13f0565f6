"""Media streams in the store: each file kept as an original with a custody row, its items deduplicated.

`add_stream` is `leakdesk stream add`; `list_streams` is `leakdesk stream list`. One transaction per file: the
original is written first, then its custody row, its items, the file's record and an audit entry together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import NarrativesError, UsageError
from leakdesk.narratives.streams import MAX_FILE_BYTES, READERS, Problem, guess_format, stream_files
from leakdesk.store.tables import custody, media_item, media_stream, original, stream_file

MEDIA_TYPES = {"rss": "application/rss+xml", "telegram": "application/json", "csv": "text/csv",
               "article": "text/plain"}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class FileOutcome:
    path: str
    format: str
    sha256: str
    items: int
    duplicates: int
    problems: list[Problem] = field(default_factory=list)


@dataclass
class StreamAdded:
    stream: str
    files: list[FileOutcome]

    @property
    def items(self) -> int:
        return sum(f.items for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def problems(self) -> list[dict[str, str]]:
        return [{"file": f.path, **p.as_dict()} for f in self.files for p in f.problems]

    def as_dict(self) -> dict[str, Any]:
        return {"stream": self.stream, "items": self.items, "duplicates": self.duplicates,
                "files": [{"path": f.path, "format": f.format, "sha256": f.sha256, "items": f.items,
                           "duplicates": f.duplicates} for f in self.files],
                "problems": self.problems}


def _stream_id(conn: sa.Connection, case: Case, name: str) -> int:
    found = conn.execute(sa.select(media_stream.c.id).where(media_stream.c.name == name)).scalar()
    if found is not None:
        return int(found)
    new_id = conn.execute(media_stream.insert().values(name=name, actor=case.actor, created=now())).inserted_primary_key
    assert new_id is not None
    case.audit(conn, "stream.create", f"stream:{name}", {})
    return int(new_id[0])


def _read_bounded(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise NarrativesError(
            f"{path.name} is {size / 1e6:.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MiB a stream file may be; "
            "split it into smaller files."
        )
    return path.read_bytes()


def add_stream(case: Case, path: Path | str, name: str,
               progress: Callable[[int, int], None] | None = None) -> StreamAdded:
    """Store every file of `path` into the stream `name` (made if new): original, custody, items, problems."""
    if not name.strip() or len(name) > 200:
        raise UsageError("A stream needs a name of 1 to 200 characters (--name).")
    files = stream_files(Path(path))
    outcomes = []
    for done, file in enumerate(files):
        outcomes.append(_add_file(case, file, name.strip()))
        if progress:
            progress(done + 1, len(files))
    return StreamAdded(name.strip(), outcomes)


def _add_file(case: Case, path: Path, name: str) -> FileOutcome:
    data = _read_bounded(path)
    fmt = guess_format(path, data[:512])
    digests = case.originals.put_bytes(data)  # stored before any row refers to it
    try:
        result = READERS[fmt](data, path.name)
    except NarrativesError as exc:  # the bytes are kept and the refusal recorded; nothing is lost
        result = None
        refusal = str(exc)
    with case.transaction() as conn:
        stream_id = _stream_id(conn, case, name)
        if conn.execute(sa.select(original.c.sha256).where(original.c.sha256 == digests.sha256)).first() is None:
            conn.execute(original.insert().values(sha256=digests.sha256, sha1=digests.sha1, md5=digests.md5,
                                                  size=digests.size, media_type=MEDIA_TYPES[fmt], first_seen=now()))
        seen = conn.execute(sa.select(custody.c.id).where(custody.c.sha256 == digests.sha256).limit(1)).first()
        conn.execute(custody.insert().values(time=now(), sha256=digests.sha256, dispatch_id=None,
                                             event="re-received" if seen else "received", channel=f"stream-{fmt}",
                                             source=str(path.resolve()), location=f"stream {name}",
                                             actor=case.actor))
        problems = result.problems if result else [Problem(path.name, refusal)]
        inserted = conn.execute(stream_file.insert().values(
            stream_id=stream_id, original_sha256=digests.sha256, format=fmt, path=str(path.resolve()), items=0,
            duplicates=0, problems=[], actor=case.actor, created=now())).inserted_primary_key
        assert inserted is not None
        file_id = inserted[0]
        known = set(conn.execute(
            sa.select(media_item.c.dedup_key).where(media_item.c.stream_id == stream_id)).scalars())
        added = duplicates = 0
        for item in result.items if result else []:
            key = item.dedup_key
            if key in known:
                duplicates += 1
                continue
            known.add(key)
            conn.execute(media_item.insert().values(
                stream_id=stream_id, file_id=file_id, dedup_key=key, location=item.location[:200],
                published=item.published[:60], date=item.date, source=item.source, url=item.url, title=item.title,
                content=item.content, language=item.language, created=now()))
            added += 1
        conn.execute(stream_file.update().where(stream_file.c.id == file_id).values(
            items=added, duplicates=duplicates, problems=[p.as_dict() for p in problems]))
        case.audit(conn, "stream.add", f"stream:{name}", {"file": path.name, "sha256": digests.sha256,
                                                         "format": fmt, "items": added, "duplicates": duplicates,
                                                         "problems": len(problems)})
    return FileOutcome(str(path), fmt, digests.sha256, added, duplicates, problems)


def list_streams(case: Case) -> list[dict[str, Any]]:
    """Every stream with its files, item count and date range."""
    with case.connect() as conn:
        streams = conn.execute(sa.select(media_stream).order_by(media_stream.c.name)).all()
        out = []
        for s in streams:
            count, first, last = conn.execute(
                sa.select(sa.func.count(), sa.func.min(media_item.c.date), sa.func.max(media_item.c.date))
                .where(media_item.c.stream_id == s.id)).one()
            files = conn.execute(sa.select(stream_file).where(stream_file.c.stream_id == s.id)
                                 .order_by(stream_file.c.id)).all()
            sources = conn.execute(sa.select(media_item.c.source).where(media_item.c.stream_id == s.id)
                                   .distinct().order_by(media_item.c.source)).scalars().all()
            out.append({"name": s.name, "items": count, "first": first, "last": last,
                        "sources": [x for x in sources if x], "files": len(files),
                        "problems": sum(len(f.problems) for f in files)})
    return out


def stream_items(conn: sa.Connection, target_streams: list[str] | None = None) -> sa.CursorResult[Any]:
    """Every stored item (all streams, or the named ones), oldest first; the same item in two streams once."""
    query = sa.select(media_item.c.id, media_item.c.dedup_key, media_item.c.date, media_item.c.content,
                      media_item.c.language, media_item.c.source, media_item.c.url).order_by(media_item.c.date,
                                                                                               media_item.c.id)
    if target_streams:
        query = query.join(media_stream, media_stream.c.id == media_item.c.stream_id).where(
            media_stream.c.name.in_(target_streams))
    return conn.execute(query)
