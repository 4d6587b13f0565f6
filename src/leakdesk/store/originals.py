"""Write-once, content-addressed originals: `originals/ab/cd/<sha256>`, read-only, verified on every read.

A member of a container whose bytes are exactly a range of the container's original (an mbox's messages) is kept
as a *slice* instead of a file of its own: (container sha256, offset, size), recorded in `original_slice`, with its
own hashes. It is read, verified and checked by fsck through the container (`put_slice`, `slice_of`).

A *pack* is an original no letter received: during a container's group commit, the small originals made while its
letters are read (attachments, a Maildir's messages, an mbox message that is not a range of the mbox) are kept in
memory and written at the batch's commit as one write-once file, the concatenation of their bytes, each recorded as
a slice of it (`original` row with media type PACK_MEDIA_TYPE, no custody row: nobody sent it; its members keep
their own `original` rows, custody and digests, exactly as files of their own would). One file, fsync and rename
per batch instead of one per attachment. A pack is named by its own sha256 like any original, re-hashed by fsck,
never rewritten or deleted; an original already in the case (a file of its own or a slice) stays where it is and is
not packed again; a batch with a single such original stores it as a file of its own.

In an encrypted case (`key` given) every file is sealed (store/encryption.py) and still named by the SHA-256 of its
plaintext. Tools that need a path (OCR, PDF and office readers, the web desk's download) get a *view*: the
decrypted, verified bytes in a private folder in memory (/dev/shm when there is one), removed when the case closes.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import shutil
import stat
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from leakdesk.errors import IntegrityError, StoreError
from leakdesk.store.encryption import SealedReader, SealingWriter, open_sealed

CHUNK = 1 << 20
MAX_SLICE = 32 << 20  # a larger member gets a file of its own (a reader that needs its path gets a bounded view)
PACK_MEDIA_TYPE = "application/x-leakdesk-pack"  # the media type recorded for a pack original
PACK_MEMBER_MAX = 256 * 1024  # a larger original made in a group commit gets a file of its own (as readers keep
# what they hand on in memory up to this size, a member is read from memory, never from a path)
PACK_MAX = 64 << 20  # the in-memory pack of one batch stops taking members at this size


@dataclass(frozen=True)
class Slice:
    """Where an original without a file of its own is: bytes [offset, offset + size) of its container's original."""

    container: str  # sha256 of the container original
    offset: int
    size: int
    pack: Digests | None = field(default=None, compare=False)  # the container is a pack made now: its digests,
    # for its `original` row, written with the first letter that refers to it


@dataclass(frozen=True)
class Digests:
    """The three hashes recorded for every original, and its size (and, for a slice, where it is)."""

    sha256: str
    sha1: str
    md5: str
    size: int
    slice: Slice | None = field(default=None, compare=False)


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


def sha256_of_chunks(chunks: Iterable[bytes]) -> str:
    """The sha256 alone of a stream of bytes: what a check of an original against its name needs (its sha1 and md5
    are recorded once, when it is stored)."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def _regular_file(path: Path) -> Iterator[BinaryIO | None]:
    """The file opened for reading, or None for a symlink, FIFO, device, folder or nothing (never followed, never
    blocks)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        yield None
        return
    with os.fdopen(fd, "rb") as fh:
        yield fh if stat.S_ISREG(os.fstat(fd).st_mode) else None


def hash_regular_file(path: Path) -> Digests | None:
    """The digests of a regular file; None for a symlink, FIFO, device or folder (never followed, never blocks)."""
    with _regular_file(path) as fh:
        if fh is None:
            return None
        hasher = _Hasher()
        while chunk := fh.read(CHUNK):
            hasher.update(chunk)
        return hasher.digests()


def describe_mode(mode: int) -> str:
    return f"mode {stat.S_IMODE(mode):04o}"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "is a symbolic link (not followed)"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file (not opened)"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file (not opened)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file (not opened)"
    if stat.S_ISDIR(mode):
        return "is a folder where only originals belong"
    return "is a file that does not belong in the originals folder"


HEX = frozenset("0123456789abcdef")
MAX_VIEWS = 64  # decrypted views of an encrypted case kept at once (the least recently used go first)
MAX_VIEW_BYTES = 512 << 20
_SHA256 = re.compile("[0-9a-f]{64}")
ORIGINAL_MODE = stat.S_IRUSR  # 0400


@dataclass(frozen=True)
class FolderFinding:
    """Something in the originals folder that is not a recorded, read-only original in its place."""

    path: str
    problem: str
    severity: str  # problem | warning
    sha256: str | None = None  # the original this path stands in for, when it has an original's name


class Originals:
    """The originals folder of one case. Files are written once, atomically, then made read-only."""

    def __init__(self, root: Path, key: bytes | None = None,
                 locate: Callable[[str], Slice | None] | None = None,
                 recorded: Callable[[list[str]], set[str]] | None = None) -> None:
        self.root = root
        self._locate = locate  # the recorded slice of an original (the case's `original_slice` rows)
        self._recorded = recorded  # which of these originals the case records already (its `original` rows)
        self._pack: dict[str, bytes] = {}  # sha256 -> bytes of the batch's pack, not yet written (group commit)
        self._pack_size = 0
        self._slices: dict[str, Slice] = {}  # slices stored by this process whose rows may not be committed yet
        self._container: tuple[str, _ContainerBytes] | None = None  # the container being sliced (ingest)
        self._root_text = str(root)
        self._tmp = root / ".incoming"
        self._tmp_text = str(self._tmp)
        self._fanout: set[str] = set()  # fan-out folders known to exist (group commit)
        self._pending: dict[str, str] = {}  # sha256 -> written but not yet synced temporary file (group commit)
        self._folders: set[Path] = set()
        self._counter = 0
        self._key = key  # the originals key of an encrypted case; None: stored as received
        self._views: dict[str, tuple[Path, int]] = {}  # sha256 -> (view, size), oldest first
        self._views_dir: Path | None = None

    @property
    def encrypted(self) -> bool:
        return self._key is not None

    @property
    def key(self) -> bytes | None:
        """The originals key (only for a reader worker of this process); None in a plain case."""
        return self._key

    def _sink(self, out: BinaryIO) -> BinaryIO | SealingWriter:
        return out if self._key is None else SealingWriter(out, self._key)

    def close(self) -> None:
        """Remove the decrypted views (an encrypted case); the originals themselves are untouched."""
        self._close_container()
        if self._views_dir is not None:
            shutil.rmtree(self._views_dir, ignore_errors=True)
            self._views_dir, self._views = None, {}

    def _open_plain(self, path: Path, sha256: str) -> Iterator[bytes]:
        """The plaintext of the file at `path`, chunk by chunk (decrypted in an encrypted case)."""
        with open(path, "rb") as fh:
            if self._key is not None:
                yield from open_sealed(fh, self._key, sha256)
                return
            while chunk := fh.read(CHUNK):
                yield chunk

    def stored_digests(self, sha256: str) -> Digests | None:
        """The digests of the plaintext stored for `sha256` (for fsck); None if its place holds no regular file.

        Never follows a link or blocks on a FIFO; IntegrityError if a sealed file no longer decrypts."""
        path = self.path(sha256)
        if self._key is None:
            return hash_regular_file(path)
        with _regular_file(path) as fh:
            if fh is None:
                return None
            hasher = _Hasher()
            for chunk in open_sealed(fh, self._key, sha256):
                hasher.update(chunk)
            return hasher.digests()

    def _view(self, sha256: str, stored: Path | Slice | bytes) -> Path:
        """A decrypted, verified copy of an encrypted original (or of a slice), kept in memory-backed storage while
        the case is open (tools that read a path: OCR, PDF and office readers)."""
        known = self._views.pop(sha256, None)
        if known is not None and known[0].exists():
            self._views[sha256] = known  # most recently used last
            return known[0]
        if self._views_dir is None:
            shm = Path("/dev/shm")
            parent = Path(shm if shm.is_dir() and os.access(shm, os.W_OK) else tempfile.gettempdir())
            _remove_stale_views(parent)
            self._views_dir = Path(tempfile.mkdtemp(prefix=f"{VIEWS_PREFIX}{os.getpid()}-", dir=parent))
            weakref.finalize(self, shutil.rmtree, str(self._views_dir), True)
        view = self._views_dir / sha256
        with contextlib.suppress(FileNotFoundError):
            os.unlink(view)  # an older view of it (read-only, maybe still open elsewhere): replaced, not rewritten
        hasher = _Hasher()
        fd = os.open(view, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(stored, bytes):
                    chunks: Iterator[bytes] = iter((stored,))
                elif isinstance(stored, Path):
                    chunks = self._open_plain(stored, sha256)
                else:
                    chunks = self._slice_chunks(stored)
                for chunk in chunks:
                    hasher.update(chunk)
                    out.write(chunk)
            self._verify(hasher.digests().sha256, sha256)
        except BaseException:
            os.unlink(view)
            raise
        os.chmod(view, ORIGINAL_MODE)
        self._views[sha256] = (view, hasher.size)
        self._evict_views()
        return view

    def _evict_views(self) -> None:
        """Keep the decrypted views within MAX_VIEWS files and MAX_VIEW_BYTES (an mbox of millions of messages must
        not fill memory); the newest view stays. A file still open elsewhere stays readable after its unlink."""
        total = sum(size for _, size in self._views.values())
        while len(self._views) > 1 and (len(self._views) > MAX_VIEWS or total > MAX_VIEW_BYTES):
            oldest = next(iter(self._views))
            path, size = self._views.pop(oldest)
            total -= size
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    @staticmethod
    def _verify(found: str, sha256: str) -> None:
        if found != sha256:
            raise IntegrityError(
                f"The original {sha256} has been altered on disk (its bytes now hash to {found}). "
                "Restore it from a backup; leakdesk will not use it."
            )

    # Group commit: `put_chunks(..., defer=True)` keeps a small original in the batch's pack (in memory) and writes a
    # larger one to `.incoming` without an fsync; `commit_pending` writes the pack to `.incoming` as one file, then
    # syncs the file system once, renames every pending file into place and syncs once more. Rows that refer to an
    # original are written only after `commit_pending`, so a crash leaves at most unreferenced originals (or
    # leftovers in `.incoming`), exactly as with one fsync per file.
    def readable_path(self, sha256: str) -> Path:
        """Where the bytes of an original can be read now: its place, or its pending file before a group commit (a
        member of the pack not yet written: a view of it)."""
        packed = self._pack.get(sha256)
        if packed is not None:
            return self._view(sha256, packed)
        pending = self._pending.get(sha256)
        stored = Path(pending) if pending is not None else self.path(sha256)
        if not stored.exists():
            found = self.slice_of(sha256)
            return stored if found is None else self._view(sha256, found)
        if self._key is None:
            return stored
        return self._view(sha256, stored)

    def pending_bytes(self, sha256: str) -> bytes | None:
        """The bytes of a member of the pack not yet written (None: not one), to be read from memory."""
        return self._pack.get(sha256)

    def placed(self, digests: Digests) -> Digests:
        """`digests` with the slice its original is kept as once its pack is written (unchanged otherwise)."""
        if digests.slice is not None:
            return digests
        where = self._slices.get(digests.sha256)
        return digests if where is None else Digests(digests.sha256, digests.sha1, digests.md5, digests.size, where)

    def commit_pending(self) -> None:
        """Make every deferred original durable and put it in its place (two file-system syncs for the batch)."""
        if self._pack:
            self._write_pack()
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        _sync_filesystem(self.root)
        for sha256, tmp_name in pending.items():
            final = self._where(sha256)
            if os.path.exists(final):
                os.unlink(tmp_name)
                self._check(Path(final), sha256)
                continue
            os.chmod(tmp_name, ORIGINAL_MODE)
            folder = final[: -len(sha256) - 1]
            if folder not in self._fanout:
                self._make_fanout(folder)
            os.replace(tmp_name, final)
        _sync_filesystem(self.root)

    def _make_fanout(self, folder: str) -> None:
        """The two fan-out folders above an original (each made once per process; existing ones are kept)."""
        for path in (os.path.dirname(folder), folder):
            if path not in self._fanout:
                try:
                    os.mkdir(path, 0o700)
                except FileExistsError:
                    pass
                self._fanout.add(path)

    def _deferred(self, chunks: Iterator[bytes]) -> Digests:
        """A small original goes to the batch's pack, a larger one (or an empty one) to a pending file."""
        held: list[bytes] = []
        size = 0
        it = iter(chunks)
        for chunk in it:
            held.append(chunk)
            size += len(chunk)
            if size > PACK_MEMBER_MAX:
                return self._deferred_file(itertools.chain(held, it))
        if not size or self._pack_size + size > PACK_MAX:
            return self._deferred_file(iter(held))
        data = held[0] if len(held) == 1 else b"".join(held)
        hasher = _Hasher()
        hasher.update(data)
        digests = hasher.digests()
        sha = digests.sha256
        if sha not in self._pack and sha not in self._pending and sha not in self._slices:
            self._pack[sha] = data  # (in _slices: packed or sliced before, not yet settled; placed() finds it)
            self._pack_size += size
        return digests

    def _write_pack(self) -> None:
        """The batch's pack written to `.incoming` (sealed in an encrypted case) and made pending; each member is a
        slice of it. Members the case records already, or that have a file of their own by now (a document reader's
        worker stores what it reads), stay where they are; a single member gets a file of its own."""
        members, self._pack, self._pack_size = self._pack, {}, 0
        known = self._recorded(list(members)) if self._recorded is not None else set()
        kept: list[tuple[str, bytes]] = []
        for sha, data in members.items():
            if sha in known or sha in self._pending:
                continue
            final = self._where(sha)
            if os.path.exists(final):
                self._check(Path(final), sha)
                continue
            kept.append((sha, data))
        if len(kept) < 2:
            for _sha, data in kept:
                self._deferred_file(iter((data,)))
            return
        hasher = _Hasher()
        self._counter += 1
        tmp_name = f"{self._tmp_text}/{os.getpid()}-{id(self):x}-{self._counter}"
        places: list[tuple[str, int, int]] = []
        fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                sink = self._sink(out)
                for sha, data in kept:
                    places.append((sha, hasher.size, len(data)))
                    hasher.update(data)
                    sink.write(data)
                if sink is not out:
                    sink.close()
        except BaseException:
            os.unlink(tmp_name)
            raise
        pack = hasher.digests()
        if pack.sha256 in self._pending or os.path.exists(self._where(pack.sha256)):
            os.unlink(tmp_name)  # the same pack is stored already (an ingest killed after writing it): never rewritten
            if pack.sha256 not in self._pending:
                self._check(self.path(pack.sha256), pack.sha256)
        else:
            self._pending[pack.sha256] = tmp_name
        for sha, offset, size in places:
            self._slices[sha] = Slice(pack.sha256, offset, size, pack)

    def _deferred_file(self, chunks: Iterator[bytes]) -> Digests:
        hasher = _Hasher()
        self._counter += 1
        tmp_name = f"{self._tmp_text}/{os.getpid()}-{id(self):x}-{self._counter}"
        fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                sink = self._sink(out)
                for chunk in chunks:
                    hasher.update(chunk)
                    sink.write(chunk)
                if sink is not out:
                    sink.close()
        except BaseException:
            os.unlink(tmp_name)
            raise
        digests = hasher.digests()
        if digests.sha256 in self._pending or os.path.exists(self._where(digests.sha256)):
            os.unlink(tmp_name)  # already stored, or pending: never overwrite
            if digests.sha256 not in self._pending:
                self._check(self.path(digests.sha256), digests.sha256)
        else:
            self._pending[digests.sha256] = tmp_name
        return digests

    def path(self, sha256: str) -> Path:
        return Path(self._where(sha256))

    def _where(self, sha256: str) -> str:
        """`path` as a string (built once per original written, so without pathlib's parsing)."""
        if _SHA256.fullmatch(sha256) is None:
            raise StoreError(f"'{sha256}' is not a sha256 digest.")
        return self._place(sha256)

    def _place(self, sha256: str) -> str:
        """`_where` for a digest this store has just computed itself (a hexdigest: no need to check its form)."""
        return f"{self._root_text}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def exists(self, sha256: str) -> bool:
        """A file in its place, or a slice of a container that is (or a member of the pack not yet written)."""
        if sha256 in self._pack or self.path(sha256).exists():
            return True
        found = self.slice_of(sha256)
        return found is not None and self.path(found.container).exists()

    # Slices: `put_slice` hashes a member as its reader hands it over and compares it with the container's stored
    # bytes at the offset the reader names (read back from the stored original, never from the input, which may have
    # changed since). Equal: nothing is written, the member is that slice. Different (mboxrd un-quoting, an input
    # file changed during ingest, a member above MAX_SLICE): it is stored as a file of its own, as before.
    def put_slice(self, chunks: Iterator[bytes], container: str, offset: int, defer: bool = True) -> Digests:
        """Store a member of the container original `container` found at `offset`: a slice if its bytes are the
        container's there, else a file of its own. The digests carry the slice (for its `original_slice` row)."""
        stored = self._container_bytes(container)
        it = iter(chunks)
        first = next(it, None)
        if first is not None and 0 < len(first) <= MAX_SLICE:
            second = next(it, None)
            if second is None:  # the member in one piece, as a reader hands over most: hashed without _Hasher
                if stored.read_at(offset, len(first)) != first:
                    return self.put_chunks(iter((first,)), defer=defer)
                return self._sliced(hashlib.sha256(first).hexdigest(), hashlib.sha1(first).hexdigest(),
                                    hashlib.md5(first).hexdigest(), len(first), container, offset)
            it = itertools.chain((first, second), it)
        elif first is not None:
            it = itertools.chain((first,), it)
        hasher = _Hasher()
        for chunk in it:
            if hasher.size + len(chunk) > MAX_SLICE or stored.read_at(offset + hasher.size, len(chunk)) != chunk:
                same = self._slice_chunks(Slice(container, offset, hasher.size), stored)
                return self.put_chunks(itertools.chain(same, (chunk,), it), defer=defer)
            hasher.update(chunk)
        digests = hasher.digests()
        if digests.size == 0:
            return self.put_chunks(iter(()), defer=defer)
        return self._sliced(digests.sha256, digests.sha1, digests.md5, digests.size, container, offset)

    def _sliced(self, sha: str, sha1: str, md5: str, size: int, container: str, offset: int) -> Digests:
        """The digests of a member found equal to its container's bytes at `offset`: kept as that slice, unless its
        bytes are pending or stored as a file of their own already (which stays the one read)."""
        if sha in self._pending:
            return Digests(sha, sha1, md5, size)
        # os.access rather than os.path.exists: no exception raised and caught for the usual answer (no file), half
        # the cost on the path every letter of an mbox takes
        if os.access(where := self._place(sha), os.F_OK):
            self._check(Path(where), sha)
            return Digests(sha, sha1, md5, size)
        return Digests(sha, sha1, md5, size, self._slices.setdefault(sha, Slice(container, offset, size)))

    def slice_of(self, sha256: str) -> Slice | None:
        """The slice an original is kept as (None: a file of its own, or unknown)."""
        found = self._slices.get(sha256)
        if found is None and self._locate is not None:
            found = self._locate(sha256)
        return found

    def settle(self, shas: Iterable[str]) -> None:
        """The rows of these originals are committed (or were there already): the database answers for their
        slices now, so they are forgotten here."""
        for sha in shas:
            self._slices.pop(sha, None)

    def _container_bytes(self, container: str) -> _ContainerBytes:
        if self._container is None or self._container[0] != container:
            self._close_container()
            self._container = (container, _ContainerBytes(self.path(container), self._key, container))
        return self._container[1]

    def _close_container(self) -> None:
        if self._container is not None:
            self._container[1].close()
            self._container = None

    def _slice_chunks(self, where: Slice, stored: _ContainerBytes | None = None) -> Iterator[bytes]:
        """The plaintext of a slice, chunk by chunk; IntegrityError if its container is missing or too short."""
        if stored is None:
            if not self.path(where.container).exists():
                raise IntegrityError(f"The original {where.container} is missing from the originals folder.")
            stored = _ContainerBytes(self.path(where.container), self._key, where.container)
            owned = True
        else:
            owned = False
        try:
            done = 0
            while done < where.size:
                chunk = stored.read_at(where.offset + done, min(CHUNK, where.size - done))
                if not chunk:
                    raise IntegrityError(f"The original {where.container} is shorter than it was: the bytes of a "
                                         "letter kept inside it are cut off. Restore it from a backup.")
                done += len(chunk)
                yield chunk
        finally:
            if owned:
                stored.close()

    def slice_digests(self, container: str, slices: list[Slice]) -> Iterator[tuple[Slice, Digests | None, bool]]:
        """For each slice of one container, in one pass over it (fsck): the digests of the bytes now there (None:
        cut off) and whether the sealed records it spans no longer decrypt (an encrypted case)."""
        with _ContainerBytes(self.path(container), self._key, container) as stored:
            for where in sorted(slices, key=lambda s: s.offset):
                hasher = _Hasher()
                try:
                    while hasher.size < where.size:
                        chunk = stored.read_at(where.offset + hasher.size, min(CHUNK, where.size - hasher.size))
                        if not chunk:
                            break
                        hasher.update(chunk)
                except IntegrityError:
                    yield where, None, True
                    continue
                yield where, hasher.digests() if hasher.size == where.size else None, False

    def put_bytes(self, data: bytes) -> Digests:
        return self.put_chunks(iter((data,)))

    def put_stream(self, stream: BinaryIO) -> Digests:
        return self.put_chunks(iter(lambda: stream.read(CHUNK), b""))

    def put_chunks(self, chunks: Iterator[bytes], defer: bool = False) -> Digests:
        """Stream bytes into the store; memory stays bounded whatever the size. Returns the digests.

        `defer`: part of a group commit; durable and in place only after `commit_pending`."""
        if not self._folders:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._tmp.mkdir(mode=0o700, exist_ok=True)
            self._folders.add(self._tmp)
        if defer:
            return self._deferred(chunks)
        hasher = _Hasher()
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                sink = self._sink(out)
                for chunk in chunks:
                    hasher.update(chunk)
                    sink.write(chunk)
                if sink is not out:
                    sink.close()
                out.flush()
                os.fsync(out.fileno())
            digests = hasher.digests()
            final = self.path(digests.sha256)
            if final.exists():
                self._check(final, digests.sha256)  # already stored; never overwrite
                return digests
            for folder in (final.parent.parent, final.parent):
                folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(tmp_name, ORIGINAL_MODE)
            os.replace(tmp_name, final)
            _fsync_dir(final.parent)
            return digests
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def _check(self, path: Path, sha256: str) -> None:
        self._verify(sha256_of_chunks(self._open_plain(path, sha256)), sha256)

    def verified_path(self, sha256: str) -> Path:
        """The path of an original after re-hashing it (a decrypted view in an encrypted case, a view of a slice);
        raises IntegrityError if it changed or vanished."""
        packed = self._pack.get(sha256)
        if packed is not None:
            self._views.pop(sha256, None)
            return self._view(sha256, packed)
        path = self.path(sha256)
        if not path.exists():
            found = self.slice_of(sha256)
            if found is None:
                raise IntegrityError(f"The original {sha256} is missing from the originals folder.")
            self._views.pop(sha256, None)
            return self._view(sha256, found)
        if self._key is not None:
            self._views.pop(sha256, None)  # decrypted and re-hashed now, not trusted from an earlier view
            return self._view(sha256, path)
        self._check(path, sha256)
        return path

    def read_bytes(self, sha256: str) -> bytes:
        """The bytes of an original, checked against their sha256."""
        packed = self._pack.get(sha256)
        if packed is not None:
            return packed  # hashed as they were put in the pack, held in memory since
        pending = self._pending.get(sha256)
        path = Path(pending) if pending is not None else self.path(sha256)
        found = None if path.exists() else self.slice_of(sha256)
        if found is not None:
            data = b"".join(self._slice_chunks(found))
        elif not path.exists():
            raise IntegrityError(f"The original {sha256} is missing from the originals folder.")
        else:
            data = path.read_bytes() if self._key is None else b"".join(self._open_plain(path, sha256))
        self._verify(hashlib.sha256(data).hexdigest(), sha256)
        return data

    def inspect_folder(self, recorded: set[str]) -> Iterator[FolderFinding]:
        """Walk the folder without following links or opening anything: every entry that is not a recorded
        original, read-only, in its place; and leftovers of interrupted writes in `.incoming`."""
        for entry, depth in _walk(self.root):
            rel = os.path.relpath(entry.path, self.root.parent)
            mode = entry.stat(follow_symlinks=False).st_mode
            if depth == 1 and entry.name == ".incoming" and stat.S_ISDIR(mode):
                for left in os.scandir(entry.path):
                    yield FolderFinding(os.path.relpath(left.path, self.root.parent),
                                        "left by an interrupted ingest (safe to delete)", "warning")
                continue
            named = entry.name if len(entry.name) == 64 and set(entry.name) <= HEX else None
            if depth < 3 and stat.S_ISDIR(mode) and len(entry.name) == 2 and set(entry.name) <= HEX:
                continue  # a fan-out folder: _walk goes inside
            in_place = named is not None and depth == 3 and entry.path == str(self.path(named))
            if not stat.S_ISREG(mode):
                yield FolderFinding(rel, _kind(mode), "problem", named if in_place else None)
            elif not in_place:
                yield FolderFinding(rel, _kind(mode), "problem")
            elif named not in recorded:
                yield FolderFinding(rel, "is stored but not recorded in the case (left by an interrupted ingest; "
                                         "the next ingest of the same input reuses it)", "warning")
            elif mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
                yield FolderFinding(rel, f"can be changed ({describe_mode(mode)}; originals are 0400)", "problem")
            elif mode & (stat.S_IRGRP | stat.S_IROTH):
                yield FolderFinding(rel, f"can be read by other users ({describe_mode(mode)}; originals are "
                                         "0400)", "warning")

    def iter_stored(self) -> Iterator[str]:
        """Every sha256 present in the folder (for fsck)."""
        for first in sorted(self.root.glob("[0-9a-f][0-9a-f]")):
            for second in sorted(first.glob("[0-9a-f][0-9a-f]")):
                for f in sorted(second.iterdir()):
                    yield f.name


READ_AHEAD = 1024**2  # bytes of a plain stored original read at once for the small reads that follow each other


class _ContainerBytes:
    """Plaintext at any offset of one stored original: `os.pread` on its file, or the sealed records it spans.

    Small reads of a plain file come from a window of READ_AHEAD bytes read at once: an mbox's messages are
    compared with the stored mbox one after the other, a system call each before (stored originals never change)."""

    def __init__(self, path: Path, key: bytes | None, sha256: str) -> None:
        try:
            self._fh = open(path, "rb")  # noqa: SIM115 (closed by close())
        except FileNotFoundError:
            raise IntegrityError(f"The original {sha256} is missing from the originals folder.") from None
        self._sealed = SealedReader(self._fh, key, sha256) if key is not None else None
        self._window = b""
        self._window_at = 0

    def read_at(self, offset: int, size: int) -> bytes:
        if self._sealed is not None:
            return self._sealed.read_at(offset, size)
        start = offset - self._window_at
        if 0 <= start and start + size <= len(self._window):
            return self._window[start:start + size]
        if size >= READ_AHEAD // 2:
            return os.pread(self._fh.fileno(), size, offset)
        self._window, self._window_at = os.pread(self._fh.fileno(), READ_AHEAD, offset), offset
        return self._window[:size]

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> _ContainerBytes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


VIEWS_PREFIX = "leakdesk-views-"


def _remove_stale_views(parent: Path) -> None:
    """Remove decrypted views left by a leakdesk process of this user that was killed (its pid no longer runs)."""
    for entry in os.scandir(parent):
        if not entry.name.startswith(VIEWS_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(VIEWS_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or entry.stat(follow_symlinks=False).st_uid != os.getuid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except PermissionError:
            pass  # a live process of someone else


def _walk(root: Path) -> Iterator[tuple[os.DirEntry[str], int]]:
    """Entries under root with their depth (1 = directly inside); descends only into real two-hex folders."""
    stack: list[tuple[str, int]] = [(str(root), 1)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            yield entry, depth
            if (depth < 3 and entry.is_dir(follow_symlinks=False) and len(entry.name) == 2
                    and set(entry.name) <= HEX):
                stack.append((entry.path, depth + 1))


def _sync_filesystem(path: Path) -> None:
    """One syncfs(2) for the file system holding `path` (every file written there is then durable); os.sync where
    syncfs is not available."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
