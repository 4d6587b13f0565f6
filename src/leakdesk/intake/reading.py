"""What a reader takes in and gives back: the contract every reader in intake/readers/ implements.

It sits below both the readers and the registry that chooses among them, so neither imports the other's module
to get these types (that was a 22-module import circle). `Limits` bounds hostile input, `Source` is one input,
`Reader` is the class a format subclasses, `Extracted`, `TextPart` and `Child` are what it finds.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from leakdesk.store.originals import Digests

HEAD = 8192


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from exhausting memory, disk or time."""

    max_depth: int = 20  # nested messages / archives inside one input
    max_children: int = 2000  # attachments or members of one message or archive
    max_total_bytes: int = 4 * 1024**3  # bytes extracted from one archive
    max_ratio: float = 200.0  # uncompressed / compressed size of one archive member
    max_header_chars: int = 64 * 1024  # longer header lines are an error (kept truncated in the header table)
    large_message: int = 32 * 1024**2  # messages above this are pre-split, streaming big parts to the store
    large_part: int = 4 * 1024**2  # parts above this are streamed straight to the originals store
    max_text_chars: int = 50_000_000  # text kept per extracted text row
    # The budget of one document (see intake/budget.py): its size, the reader process's address space, seconds.
    max_document_bytes: int = 512 * 1024**2
    max_reader_memory: int = 768 * 1024**2
    max_reader_seconds: float = 30.0  # 0 reads in-process, without the worker (e.g. to debug a reader)
    max_pages: int = 20_000  # pages of one document whose text is extracted
    max_page_content: int = 4 * 1024**2  # drawing instructions of one PDF page (normal pages: kilobytes)


@dataclass
class Source:
    """One input to read: a file (on disk or in the originals store) or bytes in memory."""

    filename: str | None = None
    path: Path | None = None
    data: bytes | None = None
    media_type: str | None = None  # as declared (a part's Content-Type), not sniffed
    sha256: str | None = None  # set once the bytes are in the originals store
    is_dir: bool = False

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        return self.path.stat().st_size if self.path is not None and not self.is_dir else 0

    def head(self, n: int = HEAD) -> bytes:
        if self.data is not None:
            return self.data[:n]
        if self.path is None or self.is_dir:
            return b""
        with self.open() as fh:
            return fh.read(n)

    def open(self, buffering: int = -1) -> BinaryIO:
        """The bytes as a binary file. A path is opened without following a symbolic link and must be a regular
        file, so a file swapped for a link (to a private key, /proc/self/environ) or a FIFO after the folder walk
        checked it is refused, never read. `buffering`: the read buffer's size in bytes (-1: Python's default)."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", str(self.path))
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb", buffering=buffering)
        except BaseException:
            os.close(fd)
            raise

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        with self.open() as fh:
            return fh.read()

    @cached_property
    def extension(self) -> str:
        """The file name's extension, lower-cased (worked out once: every reader of the registry asks for it)."""
        name = self.filename or (self.path.name if self.path else "")
        return os.path.splitext(name)[1].lower().lstrip(".")

    @cached_property
    def declared_type(self) -> str | None:
        """The declared media type without its parameters, lower-cased (None when none was declared)."""
        return self.media_type.lower().split(";")[0].strip() if self.media_type else None

    def describe(self) -> str:
        return self.filename or (str(self.path) if self.path else "message")


@dataclass
class TextPart:
    """A text extracted from a dispatch, with the extractor that made it and how its charset was chosen."""

    role: str  # body, html-body, attachment, decrypted
    content: str
    extractor: str
    extractor_version: str
    charset: str | None = None
    charset_reason: str | None = None
    language: str | None = None


@dataclass
class Child:
    """Something found inside an input, already stored as an original (so memory stays bounded)."""

    digests: Digests
    part: str  # position inside the parent: "2.1", "message 12", "member docs/a.pdf"
    filename: str | None = None
    media_type: str | None = None
    kind: str = "attachment"  # attachment, email, file
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the child could not be extracted completely (reason)
    warnings: list[str] = field(default_factory=list)  # readable, but something the desk should know
    data: bytes | None = None  # its bytes, when small enough to keep: read without opening the stored copy again


@dataclass
class Extracted:
    """What a reader found in one input."""

    kind: str = "file"  # email, file, attachment
    media_type: str | None = None
    message_id: str | None = None
    subject: str | None = None
    sender: str | None = None
    recipients: str | None = None
    date: str | None = None
    date_utc: Any = None
    headers: list[tuple[str, str, str | None]] = field(default_factory=list)  # name, raw, decoded
    texts: list[TextPart] = field(default_factory=list)
    children: Iterable[Child] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # content that could not be read
    warnings: list[str] = field(default_factory=list)  # readable, something to know (repaired charset, defect)
    details: dict[str, Any] = field(default_factory=dict)
    pgp_status: str | None = None
    pgp_details: dict[str, Any] | None = None


@dataclass
class ReadContext:
    """What a reader may use besides its input: the limits, the depth, and a way to store child bytes."""

    limits: Limits
    store_chunks: Callable[[Iterator[bytes]], Digests]
    originals_path: Callable[[str], Path]
    scratch_dir: Path  # inside the case folder; for temporary files while splitting large inputs
    gnupg_home: Path | None = None
    depth: int = 0
    top_level: bool = True
    originals_key: bytes | None = None  # an encrypted case: the reader worker seals what it stores with it
    # A container reader whose members are ranges of its input (an mbox) stores a member with `store_slice(chunks,
    # offset)`: kept as that range of the container's original when the bytes match it there, else as a file.
    store_slice: Callable[[Iterator[bytes], int], Digests] | None = None

    def store_bytes(self, data: bytes) -> Digests:
        return self.store_chunks(iter((data,)))

    def child_source(self, child: Child) -> Source:
        return Source(
            filename=child.filename,
            path=self.originals_path(child.digests.sha256),
            data=child.data,
            media_type=child.media_type,
            sha256=child.digests.sha256,
        )


class Reader:
    """One kind of input. Subclasses declare what they recognise and implement `read`."""

    name: ClassVar[str] = "reader"
    version: ClassVar[str] = "1"
    media_types: ClassVar[tuple[str, ...]] = ()
    extensions: ClassVar[tuple[str, ...]] = ()
    magic: ClassVar[tuple[bytes, ...]] = ()
    score: ClassVar[int] = 0  # small tie-breaker between readers that match equally
    container: ClassVar[bool] = False  # members become dispatches of their own at the top level
    channel: ClassVar[str] = "file"  # the channel recorded for what this reader takes in at the top level
    isolated: ClassVar[bool] = False  # parses documents: runs in the budgeted worker process (intake/budget.py)
    # Libraries the reader imports on first use: the worker imports them before a file's time limit starts, so a
    # slow import on a loaded machine is never counted against the file.
    libraries: ClassVar[tuple[str, ...]] = ()
    # A container whose members are all of one kind names their reader: members go to it directly instead of being
    # scored against every reader (every message of an mbox or a Maildir is an email).
    member_reader: ClassVar[str | None] = None

    def sniff(self, source: Source, head: bytes) -> int:
        """Extra evidence from the content beyond fixed magic bytes (0 = none)."""
        return 0

    def match(self, source: Source, head: bytes) -> int:
        points = 0
        if head.startswith(self.magic):  # a tuple of prefixes (an empty one matches nothing)
            points += 10
        if source.declared_type and source.declared_type in self.media_types:
            points += 6
        if source.extension and source.extension in self.extensions:
            points += 4
        points += self.sniff(source, head)
        return points * 10 + self.score if points else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        raise NotImplementedError

    def parse(self, source: Source, ctx: ReadContext) -> Extracted:
        """The part of `read` an isolated reader runs in the budgeted worker (all of it, unless split)."""
        return self.read(source, ctx)

    def finish(self, source: Source, ctx: ReadContext, ex: Extracted) -> Extracted:
        """The rest of `read`, run in the ingesting process after `parse` (e.g. OCR, which runs its own processes)."""
        return ex
