"""Write-once, content-addressed originals: `originals/ab/cd/<sha256>`, read-only, verified on every read."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from leakdesk.errors import IntegrityError, StoreError

CHUNK = 1 << 20


@dataclass(frozen=True)
class Digests:
    """The three hashes recorded for every original, and its size."""

    sha256: str
    sha1: str
    md5: str
    size: int


class _Hasher:
    def __init__(self) -> None:
        self._h = (hashlib.sha256(), hashlib.sha1(), hashlib.md5())
        self.size = 0

    def update(self, chunk: bytes) -> None:
        for h in self._h:
            h.update(chunk)
        self.size += len(chunk)

    def digests(self) -> Digests:
        s256, s1, m5 = (h.hexdigest() for h in self._h)
        return Digests(s256, s1, m5, self.size)


def hash_file(path: Path) -> Digests:
    hasher = _Hasher()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            hasher.update(chunk)
    return hasher.digests()


class Originals:
    """The originals folder of one case. Files are written once, atomically, then made read-only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / ".incoming"

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise StoreError(f"'{sha256}' is not a sha256 digest.")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put_bytes(self, data: bytes) -> Digests:
        return self.put_chunks(iter((data,)))

    def put_stream(self, stream: BinaryIO) -> Digests:
        return self.put_chunks(iter(lambda: stream.read(CHUNK), b""))

    def put_chunks(self, chunks: Iterator[bytes]) -> Digests:
        """Stream bytes into the store; memory stays bounded whatever the size. Returns the digests."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        hasher = _Hasher()
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digests = hasher.digests()
            final = self.path(digests.sha256)
            if final.exists():
                self._check(final, digests.sha256)  # already stored; never overwrite
                return digests
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp_name, final)
            _fsync_dir(final.parent)
            return digests
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def _check(self, path: Path, sha256: str) -> None:
        found = hash_file(path).sha256
        if found != sha256:
            raise IntegrityError(
                f"The original {sha256} has been altered on disk (its bytes now hash to {found}). "
                "Restore it from a backup; leakdesk will not use it."
            )

    def verified_path(self, sha256: str) -> Path:
        """The path of an original after re-hashing it; raises IntegrityError if it changed or vanished."""
        path = self.path(sha256)
        if not path.exists():
            raise IntegrityError(f"The original {sha256} is missing from the originals folder.")
        self._check(path, sha256)
        return path

    def read_bytes(self, sha256: str) -> bytes:
        """The bytes of an original, checked against their sha256."""
        data = self.path(sha256).read_bytes() if self.path(sha256).exists() else None
        if data is None:
            raise IntegrityError(f"The original {sha256} is missing from the originals folder.")
        found = hashlib.sha256(data).hexdigest()
        if found != sha256:
            raise IntegrityError(
                f"The original {sha256} has been altered on disk (its bytes now hash to {found}). "
                "Restore it from a backup; leakdesk will not use it."
            )
        return data

    def iter_stored(self) -> Iterator[str]:
        """Every sha256 present in the folder (for fsck)."""
        for first in sorted(self.root.glob("[0-9a-f][0-9a-f]")):
            for second in sorted(first.glob("[0-9a-f][0-9a-f]")):
                for f in sorted(second.iterdir()):
                    yield f.name


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
