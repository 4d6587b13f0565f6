"""A RAR writer for tests, from RARLAB's published format descriptions: RAR 4.x (technote.txt) and RAR 5.0
(rarlab.com/technote.htm). Entries are stored, not compressed (RAR 4 method 0x30; RAR 5 method 0), which every RAR
reader must accept; headers carry their CRCs, and file data its CRC32.

Nothing on a Linux desk writes RAR (the `rar` program is not free software), so the tests write their own.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import datetime

RAR4_SIGNATURE = b"Rar!\x1a\x07\x00"
RAR5_SIGNATURE = b"Rar!\x1a\x07\x01\x00"
WHEN = datetime(2021, 8, 3, 14, 5, 0)


@dataclass
class RarEntry:
    """A file (data is bytes) or a folder (data is None), named with '/' between folders."""

    name: str
    data: bytes | None


def _dos_time(when: datetime) -> int:
    return ((when.year - 1980) << 25 | when.month << 21 | when.day << 16 | when.hour << 11 | when.minute << 5
            | when.second // 2)


# ---------------------------------------------------------------------------------------------- RAR 4.x
def _block4(head_type: int, flags: int, fields: bytes) -> bytes:
    """One RAR 4 block header: HEAD_CRC (low 16 bits of the CRC32 of everything after it), type, flags, size."""
    body = struct.pack("<BHH", head_type, flags, 7 + len(fields)) + fields
    return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body


def _rar4_name(name: str) -> tuple[bytes, bool]:
    """(FILE_NAME bytes, whether the Unicode flag is needed). A non-ASCII name is written as RAR 4 does: an
    8-bit name, a zero byte, then the Unicode name encoded with a high byte and 2-bit operations per character
    (operation 2 = both bytes of the UTF-16 code unit follow)."""
    windows = name.replace("/", "\\")
    if windows.isascii():
        return windows.encode("ascii"), False
    units = windows.encode("utf-16-le")
    out = bytearray(windows.encode("ascii", "replace") + b"\0")
    out.append(0)  # HighByte, unused by operation 2
    chars = [units[i:i + 2] for i in range(0, len(units), 2)]
    for at in range(0, len(chars), 4):
        group = chars[at:at + 4]
        flags = 0
        for n in range(len(group)):
            flags |= 2 << (6 - 2 * n)
        out.append(flags)
        for unit in group:
            out += unit
    return bytes(out), True


def write_rar4(entries: list[RarEntry]) -> bytes:
    """A RAR 4.x archive (Windows host, backslashes between folders) of stored entries."""
    out = bytearray(RAR4_SIGNATURE)
    out += _block4(0x73, 0x0000, struct.pack("<HI", 0, 0))  # archive header
    for entry in entries:
        name, unicode = _rar4_name(entry.name)
        data = entry.data or b""
        flags = 0x8000 | (0x0200 if unicode else 0) | (0x00E0 if entry.data is None else 0)
        attributes = 0x10 if entry.data is None else 0x20
        fields = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), _dos_time(WHEN), 20, 0x30,
                             len(name), attributes) + name
        out += _block4(0x74, flags, fields) + data
    out += _block4(0x7B, 0x4000, b"")  # end of archive
    return bytes(out)


# ---------------------------------------------------------------------------------------------- RAR 5.0
def _vint(value: int) -> bytes:
    """RAR 5 variable-length integer: 7 bits a byte, low bits first, the high bit saying another byte follows."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _block5(head_type: int, flags: int, fields: bytes, data_size: int | None = None) -> bytes:
    """One RAR 5 header: CRC32 of what follows it, the header size, type, flags, the data size when data follows."""
    body = _vint(head_type) + _vint(flags | (0x0002 if data_size is not None else 0))
    if data_size is not None:
        body += _vint(data_size)
    body += fields
    sized = _vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(sized)) + sized


def write_rar5(entries: list[RarEntry]) -> bytes:
    """A RAR 5.0 archive (Unix host, UTF-8 names with '/') of stored entries."""
    out = bytearray(RAR5_SIGNATURE)
    out += _block5(1, 0, _vint(0))  # main archive header, archive flags 0
    for entry in entries:
        name = entry.name.encode("utf-8")
        data = entry.data or b""
        is_dir = entry.data is None
        file_flags = 0x0002 | 0x0004 | (0x0001 if is_dir else 0)  # mtime present (Unix time), CRC32 present
        when = int(WHEN.timestamp())
        method = 0  # compression info: version 0, method 0 (store), dictionary 0
        fields = (_vint(file_flags) + _vint(len(data)) + _vint(0o40755 if is_dir else 0o100644)
                  + struct.pack("<I", when) + struct.pack("<I", zlib.crc32(data)) + _vint(method) + _vint(1)
                  + _vint(len(name)) + name)
        out += _block5(2, 0, fields, data_size=len(data)) + data
    out += _block5(5, 0, _vint(0))  # end of archive
    return bytes(out)
