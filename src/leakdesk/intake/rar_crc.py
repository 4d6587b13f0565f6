"""The data checksums a RAR archive declares for its files, read from its headers (RAR 4.x technote, RAR 5.0
technote), so that a flipped byte inside a member is seen.

libarchive checks the CRC32 of compressed RAR members but not of stored ones (libarchive 3.6), so the archive
reader compares each extracted member's CRC32 with the one its header declares. Only what can be checked is
returned: split, encrypted and directory entries are left out, and an archive whose headers are encrypted or
unreadable gives no checksums at all (libarchive reports its damage itself).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

RAR4 = b"Rar!\x1a\x07\x00"
RAR5 = b"Rar!\x1a\x07\x01\x00"
_MAX_HEADERS = 1_000_000  # a bound on the walk, whatever the archive claims


@dataclass(frozen=True)
class DeclaredFile:
    """A regular file entry of the archive: its unpacked size and the CRC32 of its data, in archive order."""

    size: int
    crc32: int


def declared_files(stream: BinaryIO) -> list[DeclaredFile | None]:
    """One item per file entry (directories left out), in the order of the archive: what it declares, or None
    where its checksum cannot be checked (split across volumes, encrypted, no CRC). Empty when the headers cannot
    be walked."""
    stream.seek(0)
    head = stream.read(8)
    try:
        if head.startswith(RAR5):
            return _rar5(stream, len(RAR5))
        if head.startswith(RAR4):
            return _rar4(stream, len(RAR4))
    except (struct.error, ValueError, OSError):
        return []
    return []


def _rar4(stream: BinaryIO, at: int) -> list[DeclaredFile | None]:
    files: list[DeclaredFile | None] = []
    for _ in range(_MAX_HEADERS):
        stream.seek(at)
        block = stream.read(7)
        if len(block) < 7:
            return files
        _crc, kind, flags, size = struct.unpack("<HBHH", block)
        if size < 7:
            return []
        added = 0
        if kind == 0x73 and flags & 0x0080:  # archive header: the block headers are encrypted
            return []
        if kind in (0x74, 0x7A) or flags & 0x8000:
            fields = stream.read(size - 7)
            added = struct.unpack_from("<I", fields)[0]
            if kind == 0x74:
                unpacked, crc = struct.unpack_from("<I", fields, 4)[0], struct.unpack_from("<I", fields, 9)[0]
                if flags & 0x0100:  # 64-bit sizes
                    high_packed, high_unpacked = struct.unpack_from("<II", fields, 25)
                    added |= high_packed << 32
                    unpacked |= high_unpacked << 32
                if flags & 0x00E0 != 0x00E0:  # not a directory
                    checkable = not flags & (0x0001 | 0x0002 | 0x0004)  # split before/after, encrypted
                    files.append(DeclaredFile(unpacked, crc) if checkable else None)
        if kind == 0x7B:  # end of archive
            return files
        at += size + added
    return files


def _vint(data: bytes, at: int) -> tuple[int, int]:
    """A RAR 5 variable-length integer at `at`: (value, the position after it)."""
    value = shift = 0
    for _ in range(10):
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7
    raise ValueError("a RAR 5 number is longer than 10 bytes")


def _rar5(stream: BinaryIO, at: int) -> list[DeclaredFile | None]:
    files: list[DeclaredFile | None] = []
    for _ in range(_MAX_HEADERS):
        stream.seek(at)
        prefix = stream.read(4 + 3)
        if len(prefix) < 5:
            return files
        size, after = _vint(prefix, 4)
        if size > 2 * 1024 * 1024:  # RAR 5 headers are at most 2 MB
            return []
        stream.seek(at + after)
        header = stream.read(size)
        kind, pos = _vint(header, 0)
        flags, pos = _vint(header, pos)
        data_size = 0
        if flags & 0x0001:
            _extra, pos = _vint(header, pos)
        if flags & 0x0002:
            data_size, pos = _vint(header, pos)
        if kind == 4:  # archive encryption header: the rest is encrypted
            return []
        if kind == 2:
            file_flags, pos = _vint(header, pos)
            unpacked, pos = _vint(header, pos)
            _attributes, pos = _vint(header, pos)
            if file_flags & 0x0002:
                pos += 4
            crc = struct.unpack_from("<I", header, pos)[0] if file_flags & 0x0004 else None
            if not file_flags & 0x0001:  # not a directory
                split = flags & (0x0008 | 0x0010)
                known = not file_flags & 0x0008  # unpacked size known
                files.append(DeclaredFile(unpacked, crc) if crc is not None and known and not split else None)
        if kind == 5:  # end of archive
            return files
        at += after + size + data_size
    return files
