"""Zip archives, with zip-bomb protection: every member's expansion ratio and the archive's total are bounded,
and sizes are counted while decompressing (never trusting the sizes the archive declares)."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator

from leakdesk.errors import IntakeError
from leakdesk.intake.names import safe_name
from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class _TooBig(Exception):
    pass


class Crc32:
    """The CRC32 of the blocks that pass through `over`."""

    def __init__(self) -> None:
        self.value = 0

    def over(self, blocks: Iterator[bytes]) -> Iterator[bytes]:
        for block in blocks:
            self.value = zlib.crc32(block, self.value)
            yield block


def damaged(member: str) -> str:
    """The sentence for a member whose bytes do not match the checksum its archive declares."""
    return (f"member '{member}' is damaged: its checksum does not match the one the archive declares (the bytes are "
            "kept as they came out)")


class ZipReader(Reader):
    name = "zip"
    version = "1"
    media_types = ("application/zip", "application/x-zip-compressed")
    extensions = ("zip",)
    magic = (b"PK\x03\x04", b"PK\x05\x06")
    container = True
    channel = "zip"

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        ex = Extracted(kind="container", media_type="application/zip")
        ex.children = self._members(source, ctx, ex)
        return ex

    def _members(self, source: Source, ctx: ReadContext, ex: Extracted) -> Iterator[Child]:
        limits = ctx.limits
        with source.open() as fh:
            try:
                archive = zipfile.ZipFile(fh)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise IntakeError(f"not a readable zip archive ({exc})") from exc
            with archive:
                members = [i for i in archive.infolist() if not i.is_dir()]
                ex.details["members"] = len(members)
                total = 0
                for n, info in enumerate(members, 1):
                    if n > limits.max_children:
                        ex.errors.append(f"more than {limits.max_children} members; the rest were not extracted")
                        return
                    ratio = info.file_size / max(info.compress_size, 1)
                    if ratio > limits.max_ratio:
                        ex.errors.append(
                            f"member '{info.filename}' would expand from {_size(info.compress_size)} to "
                            f"{_size(info.file_size)} ({ratio:,.0f} times); not extracted: this looks like a zip bomb"
                        )
                        continue
                    budget = min(limits.max_total_bytes - total, int(info.compress_size * limits.max_ratio) + 1)
                    crc = Crc32()
                    try:
                        digests = ctx.store_chunks(crc.over(self._stream(archive, info, budget)))
                    except _TooBig:
                        ex.errors.append(
                            f"member '{info.filename}' expands beyond {_size(budget)} (more than its declared size "
                            "or the archive's limit); not extracted: this looks like a zip bomb"
                        )
                        if total + budget >= limits.max_total_bytes:
                            return
                        continue
                    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
                        ex.errors.append(f"member '{info.filename}' cannot be extracted ({exc})")
                        continue
                    total += digests.size
                    name, problem = safe_name(info.filename, folders_allowed=True)
                    if crc.value != info.CRC:
                        problem = f"{problem}; {damaged(info.filename)}" if problem else damaged(info.filename)
                    yield Child(
                        digests, f"member {n}", filename=name, kind="attachment",
                        details={"member": info.filename}, error=problem,
                    )

    @staticmethod
    def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
        seen = 0
        with archive.open(info) as member:
            # zipfile would raise at the end of a member whose CRC32 does not match and drop its last chunk; the
            # caller compares the CRC itself, so a damaged member is kept as it came out and named (as in a RAR)
            member._expected_crc = None  # type: ignore[attr-defined]
            while chunk := member.read(1 << 20):
                seen += len(chunk)
                if seen > budget:
                    raise _TooBig
                yield chunk
