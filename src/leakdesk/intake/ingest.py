"""Ingest inputs into a case: originals stored first, then one transaction per top-level dispatch.

Order matters for crash safety. The bytes go to the write-once originals store before any database row refers to
them; a dispatch is written together with its children, headers, texts, custody and audit entry in one transaction.
A `kill -9` at any moment therefore leaves either nothing or a complete dispatch; re-running finds complete
dispatches by their dedup key (the sha256 of their bytes) and only adds a 're-received' custody entry.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import threading
import warnings as pywarnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import IntakeError, NoSuchRecord, UsageError
from leakdesk.intake.budget import read_within_budget
from leakdesk.intake.registry import (
    Child,
    Extracted,
    Limits,
    ReadContext,
    Reader,
    Registry,
    Source,
    TextPart,
    default_registry,
)
from leakdesk.intake.series import series_id_for
from leakdesk.language.langid import detect_languages
from leakdesk.store.audit import append_many
from leakdesk.store.digests import DIGEST_KEY
from leakdesk.store.originals import Digests, Originals
from leakdesk.store.records import intake as records
from leakdesk.store.records.intake import Arrival, NewDispatch, NewText

SCRATCH = ".intake-scratch"


@dataclass
class Problem:
    """One input (or part of one) that could not be read completely."""

    where: str
    message: str
    dispatch_id: int | None = None

    def line(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Outcome:
    """What happened to one top-level dispatch."""

    dispatch_id: int
    created: bool
    status: str
    error: str | None = None
    variant_of: int | None = None


@dataclass
class IngestResult:
    created: list[int] = field(default_factory=list)  # new top-level dispatches
    re_received: list[int] = field(default_factory=list)  # already in the case: custody entry added
    children: int = 0  # attachments and nested messages written
    containers: int = 0  # mbox / zip files kept as originals
    problems: list[Problem] = field(default_factory=list)  # errors: content that could not be read
    warnings: list[Problem] = field(default_factory=list)  # readable, with something the desk should know
    variants: list[dict[str, Any]] = field(default_factory=list)  # same Message-ID, different bytes

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "created": self.created,
            "re_received": self.re_received,
            "children": self.children,
            "containers": self.containers,
            "problems": [{"where": p.where, "message": p.message, "dispatch_id": p.dispatch_id}
                         for p in self.problems],
            "warnings": [{"where": p.where, "message": p.message, "dispatch_id": p.dispatch_id}
                         for p in self.warnings],
            "variants": self.variants,
        }


BATCH_DISPATCHES = 1000  # group commit: top-level dispatches per transaction
BATCH_BYTES = 32 * 1024**2  # ... or this many bytes of originals, whichever comes first


@dataclass
class _Pending:
    """A top-level dispatch read in a batch, written at the next group commit."""

    node: _Node
    channel: str
    source_desc: str
    location: str | None
    where: str


@dataclass
class DecryptResult:
    """What `leakdesk dispatch decrypt` did, by dispatch."""

    decrypted: list[dict[str, Any]] = field(default_factory=list)
    still_encrypted: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"decrypted": self.decrypted, "still_encrypted": self.still_encrypted, "skipped": self.skipped}


@dataclass
class _Node:
    """One dispatch read but not yet written: its bytes are stored, its rows prepared."""

    digests: Digests
    reader: Reader
    ex: Extracted
    kind: str
    filename: str | None
    media_type: str | None
    part: str = ""
    depth: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    children: list[_Node] = field(default_factory=list)
    record: NewDispatch | None = None  # the rows written for it (their ids), once written

    @property
    def dispatch_id(self) -> int | None:
        return self.record.id if self.record is not None else None

    @property
    def status(self) -> str:
        """error: content could not be read; warning: readable, with something to know; ok."""
        return "error" if self.ex.errors else "warning" if self.ex.warnings else "ok"

    @property
    def error(self) -> str | None:
        return "; ".join(dict.fromkeys(self.ex.errors)) or None

    @property
    def warning(self) -> str | None:
        return "; ".join(dict.fromkeys(self.ex.warnings)) or None

    def walk(self) -> Iterator[_Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def parts(self) -> int:
        """How many dispatches are inside this one (attachments, attached messages, theirs)."""
        return sum(1 for _ in self.walk()) - 1 if self.children else 0


class Ingester:
    """Reads inputs with the registry and writes them to one case."""

    def __init__(self, case: Case, series: str | None = None, limits: Limits | None = None,
                 registry: Registry | None = None) -> None:
        self.case = case
        self.series = series
        self.limits = limits or Limits()
        self.registry = registry or default_registry()
        self.result = IngestResult()
        self._series_id: int | None = None
        self._batch: list[_Pending] | None = None  # group commit: top-level dispatches read but not yet written
        self._batch_bytes = 0
        self._batch_keys: set[str] = set()
        self._known: dict[str, int] | None = None  # dedup key -> dispatch, looked up for a group of members
        self._flushed: set[str] = set()  # dedup keys written since that lookup
        self._contexts: dict[tuple[int, bool, bool], ReadContext] = {}
        self._caught: list[pywarnings.WarningMessage] | None = None  # a container's catch of library warnings
        self._filters: list[Any] = []  # the warning filters inside that catch

    # ------------------------------------------------------------------ contexts
    def context(self, depth: int = 0, top_level: bool = True) -> ReadContext:
        """What readers get besides their input; built once per depth and mode (read per message of an mbox)."""
        key = (depth, top_level, self._batch is not None)
        ctx = self._contexts.get(key)
        if ctx is None:
            ctx = self._contexts[key] = ReadContext(
                limits=self.limits,
                store_chunks=self._store_deferred if self._batch is not None else self.case.originals.put_chunks,
                originals_path=self.case.originals.readable_path,
                scratch_dir=self.case.root / SCRATCH,
                gnupg_home=self.case.root / "gnupg",  # process_pgp detects PGP first; a case without keys marks it
                depth=depth,
                top_level=top_level,
                originals_key=self.case.originals.key,
            )
        return ctx

    def series_id(self, conn: sa.Connection) -> int | None:
        if self.series is None:
            return None
        if self._series_id is None:
            self._series_id = series_id_for(self.case, conn, self.series)
        return self._series_id

    # ------------------------------------------------------------------ inputs
    def ingest_path(self, path: Path, progress: Any = None) -> None:
        """A file or a folder (walked recursively; Maildir folders read as mailboxes)."""
        if path.is_symlink():
            self.result.problems.append(Problem(str(path), "is a symbolic link; leakdesk does not follow links, so "
                                                "it was not read (ingest the file it points to instead)"))
            return
        if not path.exists():
            self.result.problems.append(Problem(str(path), "no such file or folder"))
            return
        if path.is_dir():
            source = Source(filename=path.name, path=path, is_dir=True)
            reader = self.registry.choose(source)
            if reader.container:
                self._container(source, reader, str(path), progress)
                return
            for child in sorted(path.iterdir()):
                if child.name != SCRATCH:
                    self.ingest_path(child, progress)
            return
        if not path.is_file():  # a FIFO or device would block or never end
            self.result.problems.append(Problem(str(path), "not a regular file (a pipe, socket or device); skipped"))
            return
        source = Source(filename=path.name, path=path)
        try:
            reader = self.registry.choose(source)
        except OSError as exc:
            self.result.problems.append(Problem(str(path), f"cannot be opened ({exc.strerror or exc})"))
            return
        if reader.container:
            self._container(source, reader, str(path), progress)
        else:
            self._top_level(source, channel=reader.channel, source_desc=str(path), location=None, where=str(path))
            if progress is not None:
                progress()

    def _container(self, source: Source, reader: Reader, source_desc: str, progress: Any) -> None:
        """An mbox, zip or Maildir: kept as an original (files only); each member becomes a top-level dispatch."""
        with _fewer_collections():  # its members are read and written in batches
            self._container_members(source, reader, source_desc, progress)

    def _container_members(self, source: Source, reader: Reader, source_desc: str, progress: Any) -> None:
        container_digests = None
        if not source.is_dir:
            container_digests = self._store_file(source)
            if container_digests is None:
                return
            with self.case.transaction() as conn:
                records.ensure_originals(conn, [(container_digests,
                                                 reader.media_types[0] if reader.media_types else None)])
                seen = records.bytes_seen(conn, container_digests.sha256)
                records.add_custody(conn, container_digests.sha256, "re-received" if seen else "container",
                                    self._arrival(reader.channel, source_desc, None), None)
                self.case.audit(conn, "intake.container", container_digests.sha256,
                                {"source": source_desc, "reader": reader.name, "size": container_digests.size})
            self.result.containers += 1
        self._batch = []
        ctx = self.context()
        if container_digests is not None:  # members that are ranges of the stored container are kept as slices
            ctx = replace(ctx, store_slice=partial(self._store_slice, container_digests.sha256))
        ex: Extracted
        try:
            with pywarnings.catch_warnings(record=True) as caught:
                pywarnings.simplefilter("always")
                self._caught, self._filters = caught, list(pywarnings.filters)
                ex = reader.read(source, ctx)
                # every message of an mbox or a Maildir is an email: no need to score every reader against each one
                member_reader = self.registry.by_name(reader.member_reader) if reader.member_reader else None
                for group in _groups(ex.children, BATCH_DISPATCHES):
                    self._known = self._existing_many([child.digests.sha256 for child in group])
                    for child in group:
                        child_source = _member_source(ctx, child, self.case.originals)
                        self._top_level(child_source, channel=reader.channel, source_desc=source_desc,
                                        location=child.part, where=f"{source_desc}, {child.part}", child=child,
                                        reader=member_reader)
                        if progress is not None:
                            progress()
                    self._known = None
            ex.warnings.extend(_library_warnings(caught, reader))
        except IntakeError as exc:
            ex = Extracted(kind="container", errors=[str(exc)])
        except Exception as exc:  # never lose the batch to one unreadable container
            ex = Extracted(kind="container", errors=[f"reading stopped early ({type(exc).__name__}: {exc})"])
        finally:
            self._caught = None
            self._flush()
            self._batch = None
        if ex.errors and container_digests is not None:
            self._container_error(container_digests, reader, ex, source_desc)
        elif ex.errors:
            self.result.problems.append(Problem(source_desc, "; ".join(ex.errors)))
        elif ex.warnings:
            self.result.warnings.append(Problem(source_desc, "; ".join(dict.fromkeys(ex.warnings))))

    def _container_error(self, digests: Digests, reader: Reader, ex: Extracted, source_desc: str) -> None:
        """A container that could not be read completely gets an error dispatch of its own."""
        node = _Node(digests, reader, ex, "container", os.path.basename(source_desc), ex.media_type)
        self._write_top(node, reader.channel, source_desc, None, source_desc)

    def _store_file(self, source: Source) -> Digests | None:
        try:
            with source.open() as fh:
                return self.case.originals.put_stream(fh)
        except OSError as exc:
            self.result.problems.append(Problem(source.describe(), f"cannot be read ({exc.strerror or exc})"))
            return None

    def ingest_bytes(self, raw: bytes, *, channel: str, source_desc: str, location: str | None,
                     reader: Reader | None = None) -> Outcome | None:
        digests = self.case.originals.put_bytes(raw)
        src = Source(path=self.case.originals.readable_path(digests.sha256), sha256=digests.sha256,
                     media_type="message/rfc822")
        return self._top_level(src, channel=channel, source_desc=source_desc, location=location,
                               where=f"{source_desc}{', ' + location if location else ''}", digests=digests,
                               reader=reader)

    # ------------------------------------------------------------------ one top-level dispatch
    def _top_level(self, source: Source, *, channel: str, source_desc: str, location: str | None, where: str,
                   child: Child | None = None, digests: Digests | None = None,
                   reader: Reader | None = None) -> Outcome | None:
        if digests is None:
            digests = child.digests if child is not None else self._store_file(source)
            if digests is None:
                return None
        if digests.sha256 in self._batch_keys:
            self._flush()  # the same bytes twice in one batch: the first must be written before the second is seen
        existing = self._lookup(digests.sha256)
        if existing is not None:
            return self._re_received(existing, digests, channel, source_desc, location, where)
        node = self._read(source, digests, self.context(), kind_hint="file", reader=reader)
        if child is not None:
            node.details.update(child.details)
            if child.error:
                node.ex.errors.insert(0, child.error)
            node.ex.warnings[:0] = child.warnings
        if source.size == 0:  # said once, instead of each reader's own way of finding nothing
            node.ex.errors[:] = ["the file is empty (0 bytes)"]
        if self._batch is None:
            return self._write_top(node, channel, source_desc, location, where)
        if node.ex.message_id and f"mid:{node.ex.message_id}" in self._batch_keys:
            self._flush()  # a second copy of a Message-ID: compared with the first only once that is written
        self._batch.append(_Pending(node, channel, source_desc, location, where))
        self._batch_keys.add(digests.sha256)
        if node.ex.message_id:
            self._batch_keys.add(f"mid:{node.ex.message_id}")
        self._batch_bytes += sum(n.digests.size for n in node.walk()) if node.children else node.digests.size
        if len(self._batch) >= BATCH_DISPATCHES or self._batch_bytes >= BATCH_BYTES:
            self._flush()
        return None

    # ------------------------------------------------------------------ group commit
    def _store_deferred(self, chunks: Iterator[bytes]) -> Digests:
        return self.case.originals.put_chunks(chunks, defer=True)

    def _store_slice(self, container: str, chunks: Iterator[bytes], offset: int) -> Digests:
        return self.case.originals.put_slice(chunks, container, offset, defer=True)

    def _flush(self) -> None:
        """Write the batch: its originals made durable (two file-system syncs), then one transaction."""
        if not self._batch:
            self.case.originals.commit_pending()
            return
        items, self._batch = self._batch, []
        self._batch_bytes, self._batch_keys = 0, set()
        self._flushed.update(item.node.digests.sha256 for item in items)
        self._languages(*(item.node for item in items))
        self.case.originals.commit_pending()
        try:
            with self.case.transaction() as conn:
                written = self._write_batch(conn, items)
        except sa.exc.IntegrityError:  # a concurrent writer of the same bytes: one by one, each re-checked
            for item in items:
                again = self._existing(item.node.digests.sha256)
                if again is not None:
                    self._re_received(again, item.node.digests, item.channel, item.source_desc, item.location,
                                      item.where)
                else:
                    self._write_top(item.node, item.channel, item.source_desc, item.location, item.where, False)
            self.case.originals.settle(n.digests.sha256 for item in items for n in item.node.walk())
            return
        # their slice rows (mbox messages, pack members) are committed
        self.case.originals.settle(n.digests.sha256 for item in items for n in item.node.walk())
        for item, variant_of, same in written:
            node = item.node
            if same is not None:
                self.result.re_received.append(same)
                continue
            self.result.created.append(_written_id(node))
            self.result.children += node.parts
            if variant_of is not None:
                self.result.variants.append({"dispatch_id": node.dispatch_id,
                                             "variant_of": variant_of, "message_id": node.ex.message_id})
            self._report(node, item.where)

    def _write_batch(self, conn: sa.Connection, items: list[_Pending]) -> list[tuple[_Pending, int | None, int | None]]:
        """Every row of the batch in a few multi-row statements; one audit entry per dispatch, as one by one."""
        series_id = self.series_id(conn)
        out: list[tuple[_Pending, int | None, int | None]] = []
        fresh: list[tuple[NewDispatch, Arrival]] = []
        earlier = self._variants_of(conn, items)
        for item in items:
            variant_of = earlier.get(id(item))
            if variant_of is not None and self._same_letter(conn, variant_of, item.node):
                out.append((item, None, variant_of))
            else:
                fresh.append((self._record(item.node),
                              self._arrival(item.channel, item.source_desc, item.location, series_id, variant_of)))
                out.append((item, variant_of, None))
        digests = records.write_letters(conn, fresh)
        entries: list[tuple[str, str, Any]] = []
        for item, variant_of, same in out:
            node = item.node
            if same is not None:
                entries.append(self._same_letter_entry(conn, node, same, item.channel, item.source_desc,
                                                       item.location))
                continue
            entries.append(("intake.ingest", f"dispatch {node.dispatch_id}", {
                "sha256": node.digests.sha256, "source": item.source_desc, "location": item.location,
                "channel": item.channel, "status": node.status, "children": node.parts,
                "variant_of": variant_of, DIGEST_KEY: digests[node.dispatch_id],  # type: ignore[index]
            }))
        append_many(conn, self.case.actor, entries)
        return out

    def _same_letter_entry(self, conn: sa.Connection, node: _Node, same: int, channel: str, source_desc: str,
                           location: str | None) -> tuple[str, str, Any]:
        """Custody for a copy that differs from a letter in the case only in line endings; its audit entry."""
        records.ensure_originals(conn, [(self.case.originals.placed(node.digests), node.media_type)])
        records.add_custody(conn, node.digests.sha256, "re-received", self._arrival(channel, source_desc, location),
                            same, " › ".join(x for x in (location, "same letter, other line endings") if x))
        return ("intake.re-receive", f"dispatch {same}", {
            "sha256": node.digests.sha256, "source": source_desc, "location": location,
            "same_letter": "the bytes differ from the dispatch's original only in line endings (CRLF)",
            DIGEST_KEY: records.letter_digest(conn, same),
        })

    def _read(self, source: Source, digests: Digests, ctx: ReadContext, kind_hint: str,
              reader: Reader | None = None) -> _Node:
        reader = reader or self.registry.choose(source)
        try:
            ex = self._read_catching(reader, source, ctx)
        except IntakeError as exc:
            ex = Extracted(kind=kind_hint, errors=[str(exc)])
        except RecursionError:
            ex = Extracted(kind=kind_hint, errors=["nested too deeply to be read; kept as an original"])
        except Exception as exc:  # an unexpected failure of one reader must not stop the batch
            ex = Extracted(kind=kind_hint,
                           errors=[f"the {reader.name} reader failed ({type(exc).__name__}: {exc})"])
        kind = ex.kind if ex.kind != "file" else kind_hint
        node = _Node(digests, reader, ex, kind, source.filename, ex.media_type or source.media_type)
        try:
            for child in ex.children:
                node.children.append(self._read_child(child, ctx))
        except IntakeError as exc:
            ex.errors.append(str(exc))
        except Exception as exc:
            ex.errors.append(f"reading its parts stopped early ({type(exc).__name__}: {exc})")
        return node

    def _read_catching(self, reader: Reader, source: Source, ctx: ReadContext) -> Extracted:
        """`read_within_budget`, the library warnings it raised recorded against this input. Inside a container
        the container's own catch (filter "always") records them: this input's share is cut out of its list and
        the filters are put back if the reader changed them, as a catch of its own per input would (warnings
        .catch_warnings per message was a tenth of the per-message overhead)."""
        caught = self._caught
        if caught is None:
            with pywarnings.catch_warnings(record=True) as caught:
                pywarnings.simplefilter("always")
                ex = read_within_budget(reader, source, ctx)
            ex.warnings.extend(_library_warnings(caught, reader))
            return ex
        mark = len(caught)
        try:
            ex = read_within_budget(reader, source, ctx)
            ex.warnings.extend(_library_warnings(caught[mark:], reader))
        finally:
            del caught[mark:]
            if pywarnings.filters != self._filters:
                pywarnings.filters[:] = self._filters  # type: ignore[index]
                pywarnings._filters_mutated()  # type: ignore[attr-defined]
        return ex

    def _read_child(self, child: Child, ctx: ReadContext) -> _Node:
        child_ctx = self.context(ctx.depth + 1, top_level=False)
        source = _member_source(ctx, child, self.case.originals)
        if child_ctx.depth > self.limits.max_depth:
            ex = Extracted(kind=child.kind, errors=[
                f"nested more than {self.limits.max_depth} levels deep; the rest is kept as one original, unread"
            ])
            node = _Node(child.digests, self.registry.fallback, ex, child.kind, child.filename, child.media_type)
        else:
            node = self._read(source, child.digests, child_ctx, kind_hint=child.kind)
            node.kind = "email" if node.ex.kind == "email" else child.kind
        node.part = child.part
        node.depth = child_ctx.depth
        node.details.update(child.details)
        if child.error:
            node.ex.errors.insert(0, child.error)
        node.ex.warnings[:0] = child.warnings
        return node

    # ------------------------------------------------------------------ decrypt later
    def decrypt(self, dispatch_ids: list[int] | None = None) -> DecryptResult:
        """Re-read encrypted letters that could not be decrypted when they arrived (the key came later)."""
        with self.case.connect() as conn:
            letters = records.encrypted_letters(conn, dispatch_ids)
        if dispatch_ids:
            missing = sorted(set(dispatch_ids) - {letter.id for letter in letters})
            if missing:
                raise NoSuchRecord(f"No such dispatch {', '.join(map(str, missing))} in this case.")
        result = DecryptResult()
        for letter in letters:
            if letter.pgp_status != "not-decrypted":
                why = ("it is already decrypted" if letter.pgp_status == "decrypted"
                       else "it is not an encrypted letter")
                result.skipped.append({"dispatch_id": letter.id, "reason": why})
                continue
            self._decrypt_one(letter, result)
        return result

    def _decrypt_one(self, letter: records.Encrypted, result: DecryptResult) -> None:
        with self.case.connect() as conn:
            digests = records.original_digests(conn, letter.original_sha256)
        if digests is None:
            raise NoSuchRecord(f"Dispatch {letter.id} has no recorded original in this case.")
        source = Source(filename=letter.filename, path=self.case.originals.verified_path(digests.sha256),
                        sha256=digests.sha256, media_type="message/rfc822")
        node = self._read(source, digests, self.context(), kind_hint="email", reader=self.registry.by_name("eml"))
        ex = node.ex
        if ex.pgp_status != "decrypted":
            reason = (ex.pgp_details or {}).get("reason") or "it still cannot be decrypted"
            result.still_encrypted.append({"dispatch_id": letter.id, "reason": reason})
            return
        self._languages(node)
        with self.case.transaction() as conn:
            done = records.part_keys(conn, letter.id)
            texts = [tp for tp in ex.texts if tp.role == "decrypted"]
            records.add_texts(conn, letter.id, [_new_text(tp) for tp in texts])
            arrival = self._arrival(letter.channel, "leakdesk dispatch decrypt", None, parent_id=letter.id)
            new_parts = [child for child in node.children if f"{letter.id}/{child.part}" not in done]
            records.write_letters(conn, [(self._record(child), arrival) for child in new_parts])
            added = sum(1 for child in new_parts for _ in child.walk())
            details = dict(letter.details or {})
            if "protected_headers" in ex.details:
                details["protected_headers"] = ex.details["protected_headers"]
            details["decrypted_later"] = datetime.now(UTC).isoformat()
            values: dict[str, Any] = dict(pgp_status=ex.pgp_status, pgp_details=ex.pgp_details, details=details,
                                          status=node.status, error=node.error,
                                          language=letter.language or _main_language(ex.texts))
            if "protected_headers" in ex.details:
                values.update(subject=ex.subject, sender=ex.sender, recipients=ex.recipients, date=ex.date,
                              date_utc=ex.date_utc)
            records.update_decrypted(conn, letter.id, values)
            self.case.record_dispatch_digest(conn, letter.id, "intake.decrypt", {
                "pgp_status": ex.pgp_status, "texts": len(texts), "children": added,
                "protected_headers": sorted(ex.details.get("protected_headers") or {}),
            })
        result.decrypted.append({"dispatch_id": letter.id, "texts": len(texts), "children": added,
                                 "subject": ex.subject})

    # ------------------------------------------------------------------ store
    def _existing(self, sha256: str) -> int | None:
        with self.case.connect() as conn:
            return records.dispatch_with_key(conn, sha256)

    def _existing_many(self, shas: list[str]) -> dict[str, int]:
        """The dispatch already in the case for each of these dedup keys (one query for a group of members)."""
        self._flushed.clear()
        with self.case.connect() as conn:
            return records.dispatches_with_keys(conn, shas)

    def _lookup(self, sha256: str) -> int | None:
        """`_existing`, answered from the group's one query unless this batch has since written the same bytes."""
        if self._known is None or sha256 in self._flushed:
            return self._existing(sha256)
        return self._known.get(sha256)

    def _re_received(self, dispatch_id: int, digests: Digests, channel: str, source_desc: str,
                     location: str | None, where: str) -> Outcome:
        with self.case.transaction() as conn:
            records.add_custody(conn, digests.sha256, "re-received", self._arrival(channel, source_desc, location),
                                dispatch_id)
            row = records.receipt(conn, dispatch_id)
            sid = self.series_id(conn)
            if sid is not None and row.series_id is None:
                records.set_series_if_none(conn, dispatch_id, sid)
            self.case.audit(conn, "intake.re-receive", f"dispatch {dispatch_id}",
                            {"sha256": digests.sha256, "source": source_desc, "location": location,
                             DIGEST_KEY: records.letter_digest(conn, dispatch_id)})
        self.result.re_received.append(dispatch_id)
        self.case.originals.settle((digests.sha256,))
        if row.status == "error":
            self.result.problems.append(Problem(where, f"{row.error} (already in the case as dispatch {dispatch_id})",
                                                dispatch_id))
        return Outcome(dispatch_id, False, row.status, row.error, row.variant_of)

    def _write_top(self, node: _Node, channel: str, source_desc: str, location: str | None, where: str,
                   languages: bool = True) -> Outcome:
        if languages:
            self._languages(node)
        self.case.originals.commit_pending()
        try:  # a concurrent writer of the same bytes trips the unique dedup_key: then it is a re-receipt
            with self.case.transaction() as conn:
                variant_of = self._variant_of(conn, node)
                if variant_of is not None and self._same_letter(conn, variant_of, node):
                    same = variant_of
                    self.case.audit(conn, *self._same_letter_entry(conn, node, same, channel, source_desc,
                                                                   location))
                    row = records.receipt(conn, same)
                    self.result.re_received.append(same)
                    return Outcome(same, False, row.status, row.error, None)
                arrival = self._arrival(channel, source_desc, location, self.series_id(conn), variant_of)
                digest = records.write_letters(conn, [(self._record(node), arrival)])
                dispatch_id = _written_id(node)
                self.case.audit(conn, "intake.ingest", f"dispatch {dispatch_id}", {
                    "sha256": node.digests.sha256, "source": source_desc, "location": location, "channel": channel,
                    "status": node.status, "children": node.parts, "variant_of": variant_of,
                    DIGEST_KEY: digest[dispatch_id],
                })
            again = None
        except sa.exc.IntegrityError:
            again = self._existing(node.digests.sha256)
            if again is None:
                raise
        if again is not None:
            return self._re_received(again, node.digests, channel, source_desc, location, where)
        self.result.created.append(dispatch_id)
        self.result.children += node.parts
        if variant_of is not None:
            self.result.variants.append({"dispatch_id": dispatch_id, "variant_of": variant_of,
                                         "message_id": node.ex.message_id})
        self._report(node, where)
        return Outcome(dispatch_id, True, node.status, node.error, variant_of)

    def _report(self, node: _Node, where: str) -> None:
        if not node.children and not node.ex.errors and not node.ex.warnings:
            return  # most letters: nothing to report
        for n in node.walk():
            label = where if n is node else f"{where}, {_child_label(n)}"
            if n.status == "error":
                self.result.problems.append(Problem(label, n.error or "", n.dispatch_id))
            elif n.status == "warning":
                self.result.warnings.append(Problem(label, n.warning or "", n.dispatch_id))

    def _same_letter(self, conn: sa.Connection, other_id: int, node: _Node) -> bool:
        """Two copies that differ only in line endings (an mbox saved on Windows) are the same letter."""
        other = records.original_of(conn, other_id)
        if other is None or abs(node.digests.size - other[1]) > node.digests.size // 10 + 2:
            return False
        mine = self.case.originals.read_bytes(node.digests.sha256)
        theirs = self.case.originals.read_bytes(other[0])
        return _lf(mine) == _lf(theirs)

    def _arrival(self, channel: str, source_desc: str, location: str | None, series_id: int | None = None,
                 variant_of: int | None = None, parent_id: int | None = None) -> Arrival:
        return Arrival(channel, source_desc, location, self.case.actor, series_id, variant_of, parent_id)

    def _record(self, node: _Node) -> NewDispatch:
        """The rows of a dispatch read at intake and of its parts (kept on the nodes, which get their ids)."""
        ex = node.ex
        details = {**ex.details, **node.details}
        if ex.warnings:
            details["warnings"] = list(dict.fromkeys(ex.warnings))
        node.record = NewDispatch(
            digests=self.case.originals.placed(node.digests),  # a pack member: with its slice, now the pack is written
            kind=node.kind, reader=node.reader.name, filename=node.filename,
            media_type=node.media_type, message_id=ex.message_id, subject=ex.subject, sender=ex.sender,
            recipients=ex.recipients, date=ex.date, date_utc=ex.date_utc, language=_main_language(ex.texts),
            status=node.status, error=node.error, pgp_status=ex.pgp_status, pgp_details=ex.pgp_details,
            details=details or None, headers=ex.headers, texts=[_new_text(tp) for tp in ex.texts], part=node.part,
            children=[self._record(child) for child in node.children],
        )
        return node.record

    @staticmethod
    def _variants_of(conn: sa.Connection, items: list[_Pending]) -> dict[int, int]:
        """`_variant_of` for a batch in one query: for each item (by id()) the first top-level dispatch with the same
        Message-ID and other bytes. (A batch never holds one Message-ID twice: a second copy flushes the batch.)"""
        wanted = {item.node.ex.message_id for item in items if item.node.ex.message_id and item.node.kind == "email"}
        if not wanted:
            return {}
        found = records.letters_with_message_ids(conn, wanted)
        out: dict[int, int] = {}
        for item in items:
            ex, sha = item.node.ex, item.node.digests.sha256
            if ex.message_id in found and item.node.kind == "email":
                first = next((i for i, other in found[ex.message_id] if other is not None and other != sha), None)
                if first is not None:
                    out[id(item)] = first
        return out

    @staticmethod
    def _variant_of(conn: sa.Connection, node: _Node) -> int | None:
        if not node.ex.message_id or node.kind != "email":
            return None
        return records.first_variant(conn, node.ex.message_id, node.digests.sha256)

    def _languages(self, *nodes: _Node) -> None:
        """Language of every text of the dispatches (one call to the identifier for a whole batch)."""
        # PGP armour and PGP/MIME control parts are not writing in any language.
        texts = [tp for node in nodes for n in node.walk() if not _is_pgp_part(n) for tp in n.ex.texts
                 if _PGP_ARMOUR.match(tp.content) is None]
        for tp, lang in zip(texts, detect_languages([tp.content for tp in texts], self.case.settings.languages),
                            strict=True):
            tp.language = lang


GC_THRESHOLD = 100_000  # allocations between the cyclic collector's youngest passes while a container is ingested
_gc_lock = threading.Lock()
_gc_users: list[tuple[int, int, int]] = []  # the thresholds before the first ingest that raised them, while any runs


_gc_froze = False  # whether the first ingest running froze the objects that were there before it


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector runs less often while a container's batches are read and written: each batch
    keeps a thousand letters' objects alive, so the collector's passes over them took a tenth of an ingest's CPU
    at the default threshold and 3-4% at 10,000 (its older passes, which promote a batch's objects and walk
    them again; 0.002 s at 100,000), and reference counting frees almost all of them anyway. The objects already there
    (modules, the language models: some 90,000) are frozen out of its passes (`gc.freeze`, as the web server does
    at start), unless the process froze its own. The thresholds come back, and what this froze is unfrozen, when
    the last ingest running in the process ends."""
    global _gc_froze
    with _gc_lock:
        old = gc.get_threshold() if not _gc_users else _gc_users[0]
        if not _gc_users:
            _gc_froze = gc.get_freeze_count() == 0
            if _gc_froze:
                gc.freeze()
        _gc_users.append(old)
        gc.set_threshold(max(old[0], GC_THRESHOLD), old[1], old[2])
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users.pop()
            if not _gc_users:
                gc.set_threshold(*old)
                if _gc_froze:
                    gc.unfreeze()
                    _gc_froze = False


def _member_source(ctx: ReadContext, child: Child, originals: Originals) -> Source:
    """A container member or a part to read: its bytes in memory when the reader kept them or they wait in the
    batch's pack (no path asked for, so a slice, a pack member or an encrypted original gets no decrypted view it
    does not need); a larger slice (at most MAX_SLICE, what the eml reader reads into memory anyway) read from its
    container; else its stored original."""
    data = child.data
    if data is None:
        data = originals.pending_bytes(child.digests.sha256)
    if data is None and child.digests.slice is not None:
        data = originals.read_bytes(child.digests.sha256)
    if data is None:
        return ctx.child_source(child)
    return Source(filename=child.filename, data=data, media_type=child.media_type, sha256=child.digests.sha256)


def _groups(children: Iterable[Child], size: int) -> Iterator[list[Child]]:
    """The members of a container in lists of `size` (each list is read, and so stored, before it is looked up)."""
    group: list[Child] = []
    for child in children:
        group.append(child)
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


def _written_id(node: _Node) -> int:
    if node.dispatch_id is None:
        raise RuntimeError("a dispatch was used before it was written")
    return node.dispatch_id


def _new_text(tp: TextPart) -> NewText:
    return NewText(tp.role, tp.language, tp.content, tp.charset, tp.charset_reason, tp.extractor,
                   tp.extractor_version)


def _lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").rstrip(b"\n")


MAX_LIBRARY_WARNINGS = 5


def _library_warnings(caught: list[pywarnings.WarningMessage], reader: Reader) -> list[str]:
    """Warnings a library raised while reading (pypdf, BeautifulSoup, ...): recorded against the file, not printed."""
    if not caught:  # most inputs: nothing to say
        return []
    said = list(dict.fromkeys(" ".join(str(w.message).split())[:300] for w in caught))
    out = [f"the {reader.name} reader's library warned: {text}" for text in said[:MAX_LIBRARY_WARNINGS]]
    if len(said) > MAX_LIBRARY_WARNINGS:
        out.append(f"and {len(said) - MAX_LIBRARY_WARNINGS} more library warnings")
    return out


_PGP_ARMOUR = re.compile(r"\s*-----BEGIN PGP ")  # `\s` is str.isspace(): content.lstrip().startswith(...), no copy


def _is_pgp_part(node: _Node) -> bool:
    return (node.media_type or "").lower() in {"application/pgp-encrypted", "application/pgp-signature",
                                               "application/pgp-keys"}


def _main_language(texts: list[TextPart]) -> str | None:
    for role in ("body", "decrypted", "html-body", "attachment"):
        for tp in texts:
            if tp.role == role and tp.language:
                return tp.language
    return None


def _child_label(node: _Node) -> str:
    if node.filename:
        return f"attachment '{node.filename}' (part {node.part})"
    if node.kind == "email":
        return f"attached message (part {node.part}, {node.depth} levels down)"
    return f"part {node.part}"


# ---------------------------------------------------------------------- API
def ingest_paths(case: Case, paths: Iterable[Path | str], series: str | None = None, progress: bool = True,
                 limits: Limits | None = None) -> IngestResult:
    """Ingest files and folders (recursively) into the case; one transaction per top-level dispatch."""
    targets = [Path(p) for p in paths]
    if not targets:
        raise UsageError("Give at least one file or folder to ingest.")
    ingester = Ingester(case, series=series, limits=limits)
    with _progress(progress) as tick:
        for path in targets:
            ingester.ingest_path(path, tick)
    return ingester.result


def decrypt_dispatches(case: Case, dispatch_ids: list[int] | None = None) -> DecryptResult:
    """Decrypt letters that arrived before their key was imported (all such letters, or the ones named)."""
    return Ingester(case).decrypt(dispatch_ids)


def ingest_message_bytes(case: Case, raw: bytes, *, channel: str, source: str, location: str | None = None,
                         series: str | None = None) -> Outcome:
    """Ingest one message already in memory (e.g. fetched over IMAP) exactly like an .eml file; idempotent."""
    ingester = Ingester(case, series=series)
    outcome = ingester.ingest_bytes(raw, channel=channel, source_desc=source, location=location,
                                    reader=ingester.registry.by_name("eml"))
    assert outcome is not None
    return outcome


class _progress:
    """A Rich progress counter on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                  TextColumn("{task.completed} dispatches"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=True)
        self._progress.start()
        task = self._progress.add_task("Ingesting", total=None)
        return lambda: self._progress.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
