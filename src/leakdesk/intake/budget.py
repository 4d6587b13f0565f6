"""A budget of bytes, memory and seconds for every reader, so one hostile file cannot exhaust the desk's machine.

Two guards run before a reader sees a file:
- Zip-based formats (DOCX, XLSX, ODF, EPUB, …) are checked as zip archives first — members, each member's
  expansion ratio and the total expanded size — so a deflate bomb never reaches python-docx or any other library.
- Readers that parse documents (`Reader.isolated`: PDF, Word, HTML files, …) run in one persistent worker process
  with an address-space limit (RLIMIT_AS) and a time limit per file. A breach kills the worker, which is restarted
  for the next file; the original is already stored, and the dispatch's error names the limit that was hit.
Emails are read in-process: a plain letter never pays for a worker or a pipe.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
import os
import threading
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from leakdesk.errors import IntakeError
from leakdesk.intake.registry import Extracted, Limits, ReadContext, Reader, Source

ZIP_MAGIC = b"PK\x03\x04"
MB = 1024 * 1024


class BudgetExceeded(IntakeError):
    """A file needed more bytes, memory or time than one file may take; its original is kept."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit  # bytes | zip | memory | time


def _size(n: float) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB else f"{n / 1024:,.0f} KB" if n >= 1024 else f"{n:,.0f} bytes"


# --------------------------------------------------------------------------- zip-based formats


def check_zip_package(source: Source, limits: Limits) -> None:
    """Refuse a zip-based document whose members would expand beyond the limits, before any library opens it.

    Declared sizes are enough here: Python's zipfile never yields more bytes than a member declares (a member
    that lies fails its CRC check), and every zip-based reader leakdesk uses reads through zipfile.
    """
    what = "its zip package"
    try:
        with source.open() as fh, zipfile.ZipFile(fh) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise IntakeError(f"{what} is damaged ({exc}); the original is kept, its text was not extracted") from None
    if len(members) > limits.max_children:
        raise BudgetExceeded("zip", f"{what} has {len(members):,} members (limit {limits.max_children:,}); "
                                    "not read: this looks like a zip bomb; the original is kept")
    total = 0
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1 * MB and ratio > limits.max_ratio:
            raise BudgetExceeded("zip", f"{what} member '{info.filename[:200]}' would expand from "
                                        f"{_size(info.compress_size)} to {_size(info.file_size)} ({ratio:,.0f} times, "
                                        f"limit {limits.max_ratio:,.0f}); not read: this looks like a zip bomb; "
                                        "the original is kept")
        total += info.file_size
    if total > limits.max_document_bytes:
        raise BudgetExceeded("zip", f"{what} expands to {_size(total)} (limit {_size(limits.max_document_bytes)} "
                                    "per document); not read; the original is kept")


# --------------------------------------------------------------------------- the worker process


@dataclass
class _Request:
    reader: str
    source: Source
    limits: Limits
    depth: int
    top_level: bool
    originals_root: str | None
    scratch_dir: str


def _worker_main(conn: multiprocessing.connection.Connection, memory: int) -> None:
    """Runs in the worker: read one file per request until the pipe closes."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from leakdesk.intake.registry import default_registry
    from leakdesk.store.originals import Originals

    registry = default_registry()
    while True:
        try:
            request: _Request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            originals = Originals(Path(request.originals_root)) if request.originals_root else None
            ctx = ReadContext(
                limits=request.limits,
                store_chunks=originals.put_chunks if originals else _no_store,
                originals_path=originals.path if originals else _no_path,
                scratch_dir=Path(request.scratch_dir),
                depth=request.depth,
                top_level=request.top_level,
            )
            ex = registry.by_name(request.reader).read(request.source, ctx)
            ex.children = list(ex.children)
            reply: tuple[str, Any] = ("ok", ex)
        except MemoryError:
            reply = ("memory", None)
        except IntakeError as exc:
            reply = ("intake", str(exc))
        except BaseException as exc:  # noqa: BLE001 - any failure of a reader is reported, never fatal
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", None))
        if reply[0] == "memory":
            return  # a process that ran out of memory is not trusted with the next file


def _no_store(chunks: Any) -> Any:
    raise IntakeError("this reader cannot store parts of the file here")


def _no_path(sha256: str) -> Path:
    raise IntakeError("this reader cannot open stored parts here")


class Worker:
    """One persistent reader process, started on first use and restarted after a breach."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._memory = 0
        self.restarts = 0

    def _start(self, memory: int) -> multiprocessing.connection.Connection:
        if self._process is not None and self._process.is_alive() and self._memory == memory:
            assert self._conn is not None
            return self._conn
        self.stop()
        context = multiprocessing.get_context("spawn")  # never fork a process holding database connections
        parent, child = context.Pipe()
        self._process = context.Process(target=_worker_main, args=(child, memory), daemon=True,
                                        name="leakdesk-reader")
        self._process.start()
        child.close()
        self._conn, self._memory = parent, memory
        return parent

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5)
            self._process = None

    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def read(self, reader: Reader, source: Source, ctx: ReadContext) -> Extracted:
        limits = ctx.limits
        originals_root = None
        if source.sha256 is not None and source.path is not None:
            originals_root = str(source.path.parents[2])
        request = _Request(reader.name, source, limits, ctx.depth, ctx.top_level, originals_root,
                           str(ctx.scratch_dir))
        with self._lock:
            conn = self._start(limits.max_reader_memory)
            try:
                conn.send(request)
                if not conn.poll(limits.max_reader_seconds):
                    self._breach()
                    raise BudgetExceeded("time", f"reading stopped at the time limit ({limits.max_reader_seconds:g} s "
                                                 "per file); the original is kept, its text was not extracted")
                kind, value = conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                self._breach()
                raise BudgetExceeded("memory", _memory_message(limits)) from None
        if kind == "ok":
            return value  # type: ignore[no-any-return]
        if kind == "memory":
            self._breach()
            raise BudgetExceeded("memory", _memory_message(limits))
        if kind == "intake":
            raise IntakeError(value)
        raise IntakeError(f"the {reader.name} reader failed ({value})")

    def _breach(self) -> None:
        self.stop()
        self.restarts += 1


def _memory_message(limits: Limits) -> str:
    return (f"reading stopped at the memory limit ({_size(limits.max_reader_memory)} per file); the original is "
            "kept, its text was not extracted")


_worker = Worker()
atexit.register(_worker.stop)


def worker() -> Worker:
    """The process's reader worker (one per leakdesk process)."""
    return _worker


# --------------------------------------------------------------------------- the one entry point


def _shipped(reader: Reader) -> bool:
    """The worker runs the readers leakdesk ships; a reader made elsewhere (a plug-in, a test) runs in-process."""
    from leakdesk.intake.registry import default_registry

    try:
        return type(default_registry().by_name(reader.name)) is type(reader)
    except IntakeError:
        return False


def read_within_budget(reader: Reader, source: Source, ctx: ReadContext) -> Extracted:
    """`reader.read(source, ctx)`, bounded: zip packages checked first, document readers in the worker."""
    limits = ctx.limits
    isolated = reader.isolated and limits.max_reader_seconds > 0 and _shipped(reader)
    if not reader.container and reader.name != "unknown" and source.head(4).startswith(ZIP_MAGIC):
        check_zip_package(source, limits)
    if not isolated:
        return reader.read(source, ctx)
    size = source.size
    if size > limits.max_document_bytes:
        raise BudgetExceeded("bytes", f"the file is {_size(size)} (limit {_size(limits.max_document_bytes)} per "
                                      "document); not read; the original is kept")
    if source.data is None and source.path is None:
        return reader.read(source, ctx)
    if source.data is None and source.path is not None and not os.path.isabs(source.path):
        source = replace(source, path=Path(os.path.abspath(source.path)))
    return _worker.read(reader, source, ctx)
