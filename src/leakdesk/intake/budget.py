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
import base64
import contextlib
import importlib
import json
import os
import select
import struct
import subprocess
import sys
import threading
import zipfile
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from leakdesk.errors import IntakeError
from leakdesk.intake.reading import Child, Extracted, Limits, ReadContext, Reader, Source, TextPart

ZIP_MAGIC = b"PK\x03\x04"
STARTUP_SECONDS = 120  # importing the readers on a loaded machine
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
# The worker is a plain `python -m leakdesk.intake.reader_worker` child (no multiprocessing: it would re-run the
# caller's main script). Requests and replies are length-prefixed JSON, never pickle: a reader exploited by a
# crafted file can at worst send wrong text, not code, to the ingesting process.


def _encode_source(source: Source) -> dict[str, Any]:
    return {"filename": source.filename, "path": str(source.path) if source.path else None,
            "data": base64.b64encode(source.data).decode() if source.data is not None else None,
            "media_type": source.media_type, "sha256": source.sha256}


def _decode_source(d: dict[str, Any]) -> Source:
    return Source(filename=d["filename"], path=Path(d["path"]) if d["path"] else None,
                  data=base64.b64decode(d["data"]) if d["data"] is not None else None,
                  media_type=d["media_type"], sha256=d["sha256"])


def _encode_extracted(ex: Extracted) -> dict[str, Any]:
    out = {f.name: getattr(ex, f.name) for f in fields(Extracted)}
    out["children"] = [asdict(c) for c in ex.children]
    out["texts"] = [asdict(tp) for tp in ex.texts]
    out["headers"] = [list(h) for h in ex.headers]
    out["date_utc"] = ex.date_utc.isoformat() if ex.date_utc is not None else None
    return out


def _decode_extracted(d: dict[str, Any]) -> Extracted:
    from datetime import datetime

    from leakdesk.store.originals import Digests

    known = {f.name for f in fields(Extracted)}
    d = {k: v for k, v in d.items() if k in known}
    d["children"] = [Child(**{**c, "digests": Digests(**c["digests"])}) for c in d["children"]]
    d["texts"] = [TextPart(**tp) for tp in d["texts"]]
    d["headers"] = [tuple(h) for h in d["headers"]]
    d["date_utc"] = datetime.fromisoformat(d["date_utc"]) if d["date_utc"] else None
    return Extracted(**d)


def _send(stream: Any, message: dict[str, Any]) -> None:
    body = json.dumps(message, default=str).encode("utf-8")
    data = memoryview(struct.pack(">Q", len(body)) + body)
    while data:  # an unbuffered pipe may take less than all of it
        written = stream.write(data)
        data = data[written if written is not None else len(data):]
    stream.flush()


def _read_exactly(stream: Any, n: int) -> bytes:
    """`n` bytes (fewer only at the end of the stream). An unbuffered pipe may return less than asked."""
    data = bytearray()
    while len(data) < n:
        block = stream.read(n - len(data))
        if not block:
            break
        data += block
    return bytes(data)


def _recv(stream: Any) -> dict[str, Any] | None:
    head = _read_exactly(stream, 8)
    if len(head) < 8:
        return None
    data = _read_exactly(stream, struct.unpack(">Q", head)[0])
    return json.loads(data)  # type: ignore[no-any-return]


def serve() -> None:
    """The worker's loop: one request, one reply, until stdin closes; exits after running out of memory."""
    import resource

    from leakdesk.intake.registry import default_registry
    from leakdesk.store.originals import Originals

    memory = int(os.environ.get("LEAKDESK_READER_MEMORY", "0"))
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    _die_with_parent()
    registry = default_registry()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a reader that prints must not corrupt the reply channel
    _send(stdout, {"kind": "ready"})  # start-up is over; a file's time limit counts from its "loaded" message
    while (request := _recv(stdin)) is not None:
        try:
            key = bytes.fromhex(request["originals_key"]) if request.get("originals_key") else None
            originals = Originals(Path(request["originals_root"]), key) if request["originals_root"] else None
            ctx = ReadContext(
                limits=Limits(**request["limits"]),
                store_chunks=originals.put_chunks if originals else _no_store,
                originals_path=originals.readable_path if originals else _no_path,
                scratch_dir=Path(request["scratch_dir"]), depth=request["depth"], top_level=request["top_level"],
            )
            reader = registry.by_name(request["reader"])
            _send(stdout, {"kind": "loaded", "imported": _import_libraries(reader)})  # the time limit starts now
            ex = reader.parse(_decode_source(request["source"]), ctx)
            ex.children = list(ex.children)
            reply: dict[str, Any] = {"kind": "ok", "extracted": _encode_extracted(ex)}
        except MemoryError:
            reply = {"kind": "memory"}
        except Exception as exc:  # any failure of a reader is reported, never fatal
            if _out_of_memory(exc, memory):  # C libraries (lxml: "unknown error") say it in their own words
                reply = {"kind": "memory"}
            elif isinstance(exc, IntakeError):
                reply = {"kind": "intake", "message": str(exc)}
            else:
                reply = {"kind": "failed", "message": f"{type(exc).__name__}: {exc}"}
        try:
            _send(stdout, reply)
        except MemoryError:
            _send(stdout, {"kind": "memory"})
            return
        if reply["kind"] == "memory" or _peak_memory() > 0.9 * memory > 0:
            return  # a process that ran (close to) out of memory is not trusted with the next file


def _import_libraries(reader: Reader) -> list[str]:
    """Import the libraries `reader` loads on first use (before the file's time limit starts); the ones imported
    now, not before. A library that is missing is left for the reader to report in its own words."""
    imported = []
    for name in reader.libraries:
        if name not in sys.modules:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
                imported.append(name)
    return imported


def _die_with_parent() -> None:
    """Linux: the worker is killed when the ingesting process dies (even by kill -9), so a hostile file it is
    still chewing on cannot keep it running with nobody left to enforce the time limit."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the call
            os._exit(1)
    except (OSError, AttributeError):
        pass


def _peak_memory() -> int:
    """The worker's peak address space (VmPeak), in bytes; 0 where /proc is not available."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _out_of_memory(exc: BaseException | None, memory: int) -> bool:
    if memory and _peak_memory() > 0.9 * memory:  # the process reached its limit: allocations were failing
        return True
    while exc is not None:
        if isinstance(exc, MemoryError) or "memory allocation failed" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _no_store(chunks: Any) -> Any:
    raise IntakeError("this reader cannot store parts of the file here")


def _no_path(sha256: str) -> Path:
    raise IntakeError("this reader cannot open stored parts here")


class Worker:
    """One persistent reader process, started on first use and restarted after a breach."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._memory = 0
        self.restarts = 0

    def _start(self, memory: int) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None and self._memory == memory:
            return self._process
        self.stop()
        env = {**os.environ, "LEAKDESK_READER_MEMORY": str(memory),
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        # Unbuffered: the worker's messages come in pairs ("loaded", then the reply), and a buffered reader could
        # take both from the pipe at once, leaving select() to wait out the time limit for a reply already read.
        process = subprocess.Popen([sys.executable, "-m", "leakdesk.intake.reader_worker"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, env=env, close_fds=True, bufsize=0)
        self._process, self._memory = process, memory
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout.fileno()], [], [], STARTUP_SECONDS)
        hello = _recv(process.stdout) if ready else None
        if hello is None or hello.get("kind") != "ready":
            self.stop()
            raise IntakeError(f"the document reader process did not start within {STARTUP_SECONDS} s; "
                              "the original is kept, its text was not extracted")
        return process

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)

    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def read(self, reader: Reader, source: Source, ctx: ReadContext) -> Extracted:
        limits = ctx.limits
        try:  # children found in the document go to the case's originals, from the worker too
            originals_root: str | None = str(ctx.originals_path("0" * 64).parents[2])
        except Exception:
            originals_root = None
        request = {"reader": reader.name, "source": _encode_source(source), "limits": asdict(limits),
                   "depth": ctx.depth, "top_level": ctx.top_level, "originals_root": originals_root,
                   "originals_key": ctx.originals_key.hex() if ctx.originals_key else None,  # over the pipe only
                   "scratch_dir": str(ctx.scratch_dir)}
        with self._lock:
            process = self._start(limits.max_reader_memory)
            assert process.stdin is not None and process.stdout is not None
            try:
                _send(process.stdin, request)
                ready, _, _ = select.select([process.stdout.fileno()], [], [], STARTUP_SECONDS)
                if not ready:
                    self._breach()
                    raise IntakeError(f"the document reader could not load the {reader.name} reader within "
                                      f"{STARTUP_SECONDS} s; the original is kept, its text was not extracted")
                reply = _recv(process.stdout)
                if reply is not None and reply["kind"] == "loaded":  # its libraries are in: the file's time starts
                    ready, _, _ = select.select([process.stdout.fileno()], [], [], limits.max_reader_seconds)
                    if not ready:
                        self._breach()
                        raise BudgetExceeded("time", f"reading stopped at the time limit "
                                                     f"({limits.max_reader_seconds:g} s per file); the original is "
                                                     "kept, its text was not extracted")
                    reply = _recv(process.stdout)
            except (OSError, ValueError):
                reply = None
            if reply is None or reply["kind"] == "memory":
                self._breach()
                raise BudgetExceeded("memory", _memory_message(limits))
        if reply["kind"] == "ok":
            return _decode_extracted(reply["extracted"])
        if reply["kind"] == "intake":
            raise IntakeError(reply["message"])
        raise IntakeError(f"the {reader.name} reader failed ({reply.get('message', 'an answer out of turn')})")

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
    return reader.finish(source, ctx, _worker.read(reader, source, ctx))
