"""Maildir folders: one message per file in `new/` and `cur/`, flags from the file name kept.

Real mail stores nest folders: Maildir++ keeps sub-folders as dot-folders beside `cur/` (`.Sent`, `.Work.Clients`),
Dovecot's fs layout and copies made by hand nest whole `cur/new/tmp` trees, and copies often keep only `cur/`. Every
folder holding a `cur/` or `new/` is read, and each message records the folder it came from. Symbolic links are never
followed (a `cur/` or a message linked to /proc/self/environ would leak the machine's secrets into the case): each
one is refused and reported. `tmp/` holds deliveries in progress and is not read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source
from leakdesk.store.originals import Digests

MAIL_SUBFOLDERS = ("new", "cur")
MAX_FOLDERS = 10_000


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def is_maildir(path: Path) -> bool:
    """A folder with `cur/` or `new/` (a symlinked one counts, so that it gets refused and reported)."""
    return any(os.path.lexists(path / sub) for sub in MAIL_SUBFOLDERS)


def _holds_maildirs(path: Path, depth: int = 3) -> bool:
    """A Maildir++ root or a tree of Maildirs without messages of its own at the top."""
    if depth == 0:
        return False
    try:
        entries = list(os.scandir(path))
    except OSError:
        return False
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and entry.name.startswith(".") and is_maildir(Path(entry.path)):
            return True
    return False


INBOX_NAMES = {"maildir", ".maildir", "inbox", "mail", "mails"}


def folder_name(root: Path, relative: str) -> str:
    """The folder as a mail client names it: the top is INBOX (or the copy's own folder name); Maildir++
    '.Work.Clients' is 'Work/Clients'; nested folders keep their path."""
    top = "INBOX" if root.name.lower() in INBOX_NAMES or not root.name else root.name
    if relative in ("", "."):
        return top
    parts: list[str] = []
    for part in Path(relative).parts:
        if part.startswith("."):
            parts.extend(p for p in part.split(".") if p)
        else:
            parts.append(part)
    return "/".join(parts) or relative


class MaildirReader(Reader):
    name = "maildir"
    version = "2"
    container = True
    member_reader = "eml"
    channel = "maildir"

    def sniff(self, source: Source, head: bytes) -> int:
        p = source.path
        if not source.is_dir or p is None:
            return 0
        return 20 if is_maildir(p) or _holds_maildirs(p) else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        ex = Extracted(kind="container", media_type="inode/directory")
        ex.children = self._messages(source, ex, ctx)
        return ex

    def _folders(self, root: Path, ex: Extracted) -> Iterator[Path]:
        """Every folder under `root` (itself included) holding mail, without following links, sorted."""
        stack = [root]
        seen = 0
        while stack:
            folder = stack.pop()
            seen += 1
            if seen > MAX_FOLDERS:
                ex.errors.append(f"more than {MAX_FOLDERS:,} folders; the rest were not read")
                return
            if is_maildir(folder):
                yield folder
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                ex.errors.append(f"the folder '{self._rel(root, folder)}' cannot be listed ({exc.strerror})")
                continue
            for entry in entries:
                if entry.name in ("cur", "new", "tmp") and folder is not None and is_maildir(folder):
                    continue
                if entry.is_symlink():
                    ex.errors.append(f"'{self._rel(root, Path(entry.path))}' is a symbolic link; leakdesk does not "
                                     "follow links, so it was not read")
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))

    @staticmethod
    def _rel(root: Path, path: Path) -> str:
        rel = os.path.relpath(path, root)
        return rel if rel != "." else root.name

    def _messages(self, source: Source, ex: Extracted, ctx: ReadContext) -> Iterator[Child]:
        assert source.path is not None
        root = source.path
        n = 0
        folders: dict[str, int] = {}
        for folder in self._folders(root, ex):
            rel = os.path.relpath(folder, root)
            name = folder_name(root, rel)
            for sub in MAIL_SUBFOLDERS:
                box = folder / sub
                if os.path.islink(box):
                    ex.errors.append(f"'{self._rel(root, box)}' is a symbolic link; leakdesk does not follow links, "
                                     "so it was not read")
                    continue
                if not _is_real_dir(box):
                    continue
                for entry in sorted(os.scandir(box), key=lambda e: e.name):
                    where = os.path.relpath(entry.path, root)
                    if entry.name.startswith("."):
                        continue
                    if entry.is_symlink():
                        ex.errors.append(f"'{where}' is a symbolic link; leakdesk does not follow links, so it was "
                                         "not read")
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    digests = self._store(entry.path, ctx)
                    if digests is None:
                        ex.errors.append(f"'{where}' changed while it was read (it is now a link or not a file); "
                                         "not read")
                        continue
                    n += 1
                    folders[name] = folders.get(name, 0) + 1
                    details = {"file": where, "folder": name}
                    if ":2," in entry.name:
                        details["flags"] = entry.name.rsplit(":2,", 1)[1]
                    yield Child(digests, where, kind="email", media_type="message/rfc822", details=details)
        ex.details["messages"] = n
        ex.details["folders"] = folders

    @staticmethod
    def _store(path: str, ctx: ReadContext) -> Digests | None:
        """Store one message file, opened without following a link (a swap after listing is refused too)."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            return ctx.store_chunks(iter(lambda: fh.read(1 << 20), b""))
