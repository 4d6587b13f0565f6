"""Media streams into the case: each file kept as an original with a custody row, its items deduplicated.

`add_stream` is `leakdesk stream add`; `list_streams` is `leakdesk stream list`. One transaction per file: the
original is written first, then its custody row, its items, the file's record and an audit entry together.
A file no reader can use is still stored and its refusal recorded: nothing received is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leakdesk.case import Case
from leakdesk.errors import NarrativesError, UsageError
from leakdesk.narratives.streams import MAX_FILE_BYTES, READERS, Problem, ReadResult, guess_format, stream_files
from leakdesk.store.records import custody
from leakdesk.store.records import narratives as records

MEDIA_TYPES = {"rss": "application/rss+xml", "telegram": "application/json", "csv": "text/csv",
               "article": "text/plain"}


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
    name = name.strip()
    if not name or len(name) > 200:
        raise UsageError("A stream needs a name of 1 to 200 characters (--name).")
    files = stream_files(Path(path))
    outcomes = []
    for done, file in enumerate(files, start=1):
        outcomes.append(_add_file(case, file, name))
        if progress:
            progress(done, len(files))
    return StreamAdded(name, outcomes)


def _add_file(case: Case, path: Path, name: str) -> FileOutcome:
    data = _read_bounded(path)
    fmt = guess_format(path, data[:512])
    try:
        result = READERS[fmt](data, path.name)
    except NarrativesError as exc:
        result = ReadResult(fmt, [], [Problem(path.name, str(exc))])
    with case.transaction() as conn:
        stream, made = records.stream_id(conn, name, case.actor)
        if made:
            case.audit(conn, "stream.create", f"stream:{name}", {})
        registered = custody.register_original(
            conn, case.originals, data, media_type=MEDIA_TYPES[fmt], channel=f"stream-{fmt}",
            source=str(path.resolve()), actor=case.actor, location=f"stream {name}")
        sha = registered.digests.sha256
        file_id = records.add_file(conn, stream, sha, fmt, str(path.resolve()), case.actor)
        known = records.known_keys(conn, stream)
        added = duplicates = 0
        for item in result.items:
            key = item.dedup_key
            if key in known:
                duplicates += 1
                continue
            known.add(key)
            records.add_item(conn, stream, file_id, dedup_key=key, location=item.location, published=item.published,
                             day=item.date, content=item.content, source=item.source, url=item.url,
                             title=item.title, language=item.language)
            added += 1
        records.finish_file(conn, file_id, added, duplicates, [p.as_dict() for p in result.problems])
        case.audit(conn, "stream.add", f"stream:{name}", {"file": path.name, "sha256": sha, "format": fmt,
                                                         "items": added, "duplicates": duplicates,
                                                         "problems": len(result.problems)})
    return FileOutcome(str(path), fmt, sha, added, duplicates, result.problems)


def show_stream(case: Case, name: str) -> dict[str, Any]:
    """One stream: its summary and every file loaded into it (original, format, items, problems)."""
    with case.connect() as conn:
        stream, summary = records.stream_by_name(conn, name)
        return {**summary.__dict__, "files": records.files_of(conn, stream)}


def remove_stream(case: Case, name: str) -> dict[str, Any]:
    """Take a stream out of the case's material (audited): its items and analysed sentences go, its files'
    originals and custody stay. Refused while evidence attached to a claim was drawn from its analysis."""
    with case.transaction() as conn:
        stream, summary = records.stream_by_name(conn, name)
        claims = records.evidence_drawn_from(conn, stream)
        if claims:
            listed = ", ".join(map(str, claims))
            raise NarrativesError(f"The stream '{summary.name}' is not removed: the evidence attached to claim(s) "
                                  f"{listed} was drawn from its analysis, and that evidence must stay checkable.")
        files = [f["sha256"] for f in records.files_of(conn, stream)]
        removed = records.remove_stream(conn, stream)
        case.audit(conn, "stream.remove", f"stream:{summary.name}", {**removed, "originals": files})
    return {"stream": summary.name, **removed, "originals_kept": len(files)}


def list_streams(case: Case) -> list[dict[str, Any]]:
    """Every stream with its item count, dates covered, sources, files and problems."""
    with case.connect() as conn:
        return [dict(s.__dict__) for s in records.streams(conn)]
