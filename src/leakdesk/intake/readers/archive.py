"""Archives other than zip, through libarchive (libarchive-c): tar (plain, gzip, bzip2, xz, zstd), 7z, RAR, cpio,
ISO 9660, and single compressed files (.gz, .bz2, .xz).

The zip limits apply: members are counted, the bytes extracted are counted while decompressing (never trusting the
sizes an archive declares) against the archive's limit and its expansion ratio, links and devices are skipped, and
member names are reduced to safe bare names.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from leakdesk.errors import IntakeError
from leakdesk.intake.names import safe_name
from leakdesk.intake.rar_crc import RAR4, RAR5, DeclaredFile, declared_files
from leakdesk.intake.readers.zip import Crc32, _size, damaged
from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source

if TYPE_CHECKING:  # libarchive (and ctypes under it) is loaded by the first archive read, not by every ingest
    from libarchive.exception import ArchiveError

_COMPRESSED = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}
_TAR_AT = 257
_ISO_AT = 0x8001


class _TooBig(Exception):
    pass


class ArchiveReader(Reader):
    name = "libarchive"
    version = version("libarchive-c")
    media_types = ("application/x-tar", "application/gzip", "application/x-gzip", "application/x-bzip2",
                   "application/x-xz", "application/x-7z-compressed", "application/vnd.rar", "application/x-rar",
                   "application/x-rar-compressed", "application/x-cpio", "application/x-iso9660-image",
                   "application/zstd")
    extensions = ("tar", "tgz", "gz", "tbz", "tbz2", "bz2", "txz", "xz", "7z", "rar", "cpio", "iso", "zst")
    magic = (b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"070707", b"070701", b"070702", *_COMPRESSED)
    container = True
    channel = "archive"

    def sniff(self, source: Source, head: bytes) -> int:
        if head[_TAR_AT:_TAR_AT + 5] == b"ustar":
            return 10
        if source.size > _ISO_AT + 5 and source.head(_ISO_AT + 5)[_ISO_AT:] == b"CD001":
            return 10
        return 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        ex = Extracted(kind="container", media_type=source.media_type or "application/x-archive")
        ex.children = self._members(source, ctx, ex)
        return ex

    def _open(self, source: Source, raw: bool) -> AbstractContextManager[Any]:
        import libarchive

        fmt = "raw" if raw else "all"
        if source.path is not None and not source.is_dir:
            return libarchive.file_reader(str(source.path), format_name=fmt)
        return libarchive.memory_reader(source.read_bytes(), format_name=fmt)

    def _members(self, source: Source, ctx: ReadContext, ex: Extracted) -> Iterator[Child]:
        from libarchive.exception import ArchiveError

        raw = False
        try:
            with self._open(source, raw=False) as archive:
                next(iter(archive), None)
        except ArchiveError as exc:
            if not source.head(6).startswith(tuple(_COMPRESSED)):
                raise IntakeError(f"not a readable archive ({_why(exc)})") from exc
            raw = True  # one compressed file, not an archive of several
        yield from self._extract(source, ctx, ex, raw)

    def _extract(self, source: Source, ctx: ReadContext, ex: Extracted, raw: bool) -> Iterator[Child]:
        from libarchive.exception import ArchiveError

        limits = ctx.limits
        budget_total = min(limits.max_total_bytes, int(max(source.size, 1) * limits.max_ratio) + 1)
        total = members = skipped = files = 0
        checksums: list[DeclaredFile | None] = []
        try:
            with self._open(source, raw=raw) as archive:
                ex.details["format"] = archive.format_name
                if not raw and source.head(8).startswith((RAR4, RAR5)):
                    checksums = _rar_checksums(source)
                for n, entry in enumerate(archive, 1):
                    declared = _pathname(entry, n, source, raw)
                    if entry.isdir:
                        continue
                    if not entry.isreg:
                        skipped += 1
                        continue
                    files += 1
                    expected = checksums[files - 1] if files <= len(checksums) else None
                    members += 1
                    if members > limits.max_children:
                        ex.errors.append(f"more than {limits.max_children} members; the rest were not extracted")
                        break
                    if getattr(entry, "is_encrypted", False):
                        ex.errors.append(f"member '{declared}' is encrypted; it cannot be extracted without the "
                                         "password")
                        continue
                    crc = Crc32()
                    blocks = _stream(entry, budget_total - total)
                    try:  # a checksum only where the archive declares one to compare it with
                        digests = ctx.store_chunks(crc.over(blocks) if expected is not None else blocks)
                    except _TooBig:
                        ex.errors.append(
                            f"member '{declared}' expands beyond {_size(budget_total - total)} (the archive's limit "
                            f"of {limits.max_ratio:,.0f} times its size); not extracted: this looks like an archive "
                            "bomb")
                        break
                    except ArchiveError as exc:
                        ex.errors.append(f"member '{declared}' cannot be extracted ({_why(exc)})")
                        if "assphrase" in str(exc) or "ncrypt" in str(exc):
                            continue
                        break
                    total += digests.size
                    name, problem = safe_name(declared, folders_allowed=True)
                    if expected is not None and expected.size == digests.size and expected.crc32 != crc.value:
                        problem = f"{problem}; {damaged(declared)}" if problem else damaged(declared)
                    yield Child(digests, f"member {n}", filename=name, kind="attachment",
                                details={"member": declared}, error=problem)
        except ArchiveError as exc:
            ex.errors.append(f"the archive is damaged; reading stopped early ({_why(exc)})")
        ex.details["members"] = members
        if skipped:
            ex.details["skipped"] = f"{skipped} links, devices or other special entries were not extracted"


def _pathname(entry: Any, n: int, source: Source, raw: bool) -> str:
    if raw:
        name = source.filename or "data"
        for ext in (".gz", ".bz2", ".xz", ".zst"):
            if name.lower().endswith(ext):
                return name[: -len(ext)] or "data"
        return name
    try:
        return str(entry.pathname or f"member {n}")
    except UnicodeDecodeError:
        return f"member {n}"


def _rar_checksums(source: Source) -> list[DeclaredFile | None]:
    """The data CRC32 each file entry of a RAR declares (libarchive does not check it for stored entries)."""
    if source.path is not None and not source.is_dir:
        with source.open() as stream:
            return declared_files(stream)
    return declared_files(io.BytesIO(source.read_bytes()))


def _stream(entry: Any, budget: int) -> Iterator[bytes]:
    seen = 0
    for block in entry.get_blocks():
        seen += len(block)
        if seen > budget:
            raise _TooBig
        yield bytes(block)


# libarchive's words for the damage a desk meets most, said first in plain words (libarchive's kept after them)
_PLAIN = (("crc error", "a checksum does not match, so the file is damaged"),
          ("checksum error", "a checksum does not match, so the file is damaged"),
          ("truncated", "the file is cut short"),
          ("unexpected end of", "the file is cut short"))


def _why(exc: ArchiveError) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    text = (msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)).strip().rstrip(".")[:200]
    plain = next((words for key, words in _PLAIN if key in text.lower()), None)
    return f"{plain}: {text}" if plain else text
