"""Do leakdesk's message counts match the mail clients'? Per folder, on any mailboxes a desk gives it.

    .venv/bin/python benchmarks/mailbox_counts.py [--json] MAILBOX_OR_FOLDER ...

Every mbox file (starts with a "From " line) and every Maildir (a folder with cur/ or new/, Maildir++ dot-folders
and nested folders included) under the paths given is ingested into a throw-away case, and each physical folder's
messages and Message-IDs are compared with what these clients report for the same folder:

- Dovecot (Debian dovecot-imapd): its own imap process in pre-authenticated mode, `EXAMINE` and `FETCH` of the
  Message-ID headers, on a copy of the folder (`mbox:` or `maildir:` location, indexes in memory). This is the
  reference: a mail server the desk's source may well have used, and it follows RFC 4155 and Content-Length;
- Python's `mailbox` module (mbox: any line starting "From " is a separator, Content-Length is ignored; Maildir:
  cur/ and new/ must both exist);
- formail from procmail (mbox only; `formail -s`, which needs a blank line before a separator and honours
  Content-Length), when installed.

The mailboxes are only read: each client works on a copy in a temporary folder, removed afterwards. leakdesk's
count is the number of messages its reader took from the folder (custody entries, so a message present twice is
counted twice, as the clients count it). Exit code 1 when leakdesk and Dovecot count a folder differently;
Message-IDs that only one of them read are listed.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.intake.readers.maildir import _holds_maildirs, folder_name, is_maildir
from leakdesk.store.records import custody, dispatches

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
UNPRIVILEGED = "nobody"  # Dovecot refuses to open mail as root: as root, the copies belong to this account
TIMEOUT = 600


@dataclass
class Folder:
    """One physical folder of a mailbox and what each reader found in it (None: the reader is not available)."""

    mailbox: str
    folder: str  # the path inside the mailbox ("" for an mbox file or the Maildir's top)
    name: str  # as leakdesk names it (INBOX, Sent, Work/Clients, the mbox file's name)
    ids: dict[str, list[str | None] | None] = field(default_factory=dict)  # reader -> Message-IDs, in order
    errors: dict[str, str] = field(default_factory=dict)  # reader -> why it could not count

    def count(self, reader: str) -> int | None:
        found = self.ids.get(reader)
        return None if found is None else len(found)

    def agrees(self, reader: str, other: str = "leakdesk") -> bool | None:
        """Same number of messages; None when one of them could not count."""
        a, b = self.count(reader), self.count(other)
        return None if a is None or b is None else a == b

    def id_differences(self, reader: str, other: str = "leakdesk") -> tuple[list[str | None], list[str | None]]:
        """Message-IDs (as multisets) only `other` found, and only `reader` found; ([], []) when they match."""
        a, b = Counter(self.ids.get(reader) or []), Counter(self.ids.get(other) or [])
        return sorted((b - a).elements(), key=str), sorted((a - b).elements(), key=str)


def normalise_id(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value else None


BLANK_FIRST_LINE_NOTE = (
    "Note: a letter whose first line is blank has no headers for a mail client (RFC 5322: the header block ends at "
    "the first blank line), so Dovecot reads no Message-ID where leakdesk, which reads the headers after such a "
    "line (issue 9), does; the letter is counted by both.")


# ---------------------------------------------------------------------- finding mailboxes
def is_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def find_mailboxes(paths: list[Path]) -> list[tuple[str, Path]]:
    """("mbox" | "maildir", path) for every mailbox under `paths`, sorted; links are not followed."""
    found: list[tuple[str, Path]] = []
    for top in paths:
        if top.is_file():
            if is_mbox(top):
                found.append(("mbox", top))
            continue
        if is_maildir(top) or _holds_maildirs(top):
            found.append(("maildir", top))
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                sub = here / d
                if sub.is_symlink():
                    continue
                if is_maildir(sub) or _holds_maildirs(sub):
                    found.append(("maildir", sub))
                else:
                    keep.append(d)
            dirnames[:] = keep
            found += [("mbox", here / f) for f in sorted(filenames)
                      if not (here / f).is_symlink() and is_mbox(here / f)]
    return sorted(found, key=lambda kv: str(kv[1]))


def maildir_folders(root: Path) -> list[str]:
    """Every physical folder under a Maildir root holding cur/ or new/, as a path relative to the root."""
    out = []
    for dirpath, dirnames, _files in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in ("cur", "new", "tmp") and not (here / d).is_symlink())
        if is_maildir(here):
            out.append(os.path.relpath(here, root))
    return [("" if rel == "." else rel) for rel in out]


# ---------------------------------------------------------------------- leakdesk
def leakdesk_ids(kind: str, path: Path, scratch: Path) -> dict[str, list[str | None]]:
    """Message-IDs leakdesk took from each physical folder of one mailbox, in reading order."""
    case = Case.init(scratch / "case")
    try:
        ingest_paths(case, [path], progress=False)
        with case.connect() as conn:
            by_id = {d.id: d for d in dispatches.find(conn, top_level=True)}
            events = custody.events_by_dispatch(conn)
    finally:
        case.close()
    out: dict[str, list[str | None]] = {}
    taken: list[tuple[str, int, str | None]] = []
    for dispatch_id, dispatch in by_id.items():
        for event in events.get(dispatch_id, []):
            if event.event not in ("received", "re-received") or event.location is None:
                continue
            if kind == "maildir":
                folder = os.path.dirname(os.path.dirname(event.location))
                order = 0
            else:
                folder, order = "", int(event.location.split()[-1]) if event.location.startswith("message ") else 0
            taken.append((folder, order, normalise_id(dispatch.message_id)))
    for folder, _order, message_id in sorted(taken, key=lambda t: (t[0], t[1])):
        out.setdefault(folder, []).append(message_id)
    return out


# ---------------------------------------------------------------------- Dovecot
def _owner() -> pwd.struct_passwd | None:
    return pwd.getpwnam(UNPRIVILEGED) if os.geteuid() == 0 else None


def _chown_tree(path: Path, owner: pwd.struct_passwd | None) -> None:
    if owner is None:
        return
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, owner.pw_uid, owner.pw_gid)


_EXISTS = re.compile(rb"^\* (\d+) EXISTS\r?$", re.M)
_FETCH = re.compile(rb"\* (\d+) FETCH \(BODY\[HEADER\.FIELDS \(MESSAGE-ID\)\] \{(\d+)\}\r\n")


def imap_message_ids(location: str, home: Path) -> list[str | None]:
    """Message-IDs of INBOX at a Dovecot mail location, from Dovecot's own imap process (pre-authenticated)."""
    owner = _owner()
    config = home / "dovecot.conf"
    config.write_text("ssl = no\nlog_path = /dev/null\nmail_location = " + location + "\n", "utf-8")
    cmd = [DOVECOT_IMAP, "-c", str(config), "-o", f"mail_location={location}"]
    if owner is not None:
        cmd += ["-o", f"mail_uid={owner.pw_uid}", "-o", f"mail_gid={owner.pw_gid}"]
    env = {"USER": "desk", "HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    script = b"a1 EXAMINE INBOX\r\na2 FETCH 1:* (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])\r\na3 LOGOUT\r\n"
    done = subprocess.run(cmd, input=script, capture_output=True, env=env, timeout=TIMEOUT, check=False)
    out = done.stdout
    if b"a1 OK" not in out:
        reply = out.decode("utf-8", "replace").strip().splitlines()[-1:] or [done.stderr.decode("utf-8", "replace")]
        raise RuntimeError(f"Dovecot could not open the folder: {reply[0][:300]}")
    exists = [int(m) for m in _EXISTS.findall(out)]
    ids: list[str | None] = []
    pos = 0
    while (m := _FETCH.search(out, pos)) is not None:
        start = m.end()
        literal = out[start: start + int(m.group(2))]
        pos = start + int(m.group(2))
        header = BytesHeaderParser(policy=compat32).parsebytes(literal)
        value = header.get("Message-ID")
        ids.append(normalise_id(str(value)) if value is not None else None)
    if exists and exists[-1] != len(ids):
        raise RuntimeError(f"Dovecot said {exists[-1]} messages exist but returned {len(ids)}")
    return ids


def dovecot_ids(kind: str, path: Path, folder: str, scratch: Path) -> list[str | None]:
    """Dovecot's Message-IDs for one physical folder, read from a copy (Dovecot writes its own files next to mail)."""
    home = scratch / "dovecot"
    shutil.rmtree(home, ignore_errors=True)
    (home / "mail").mkdir(parents=True)
    if kind == "mbox":
        copy = home / "mail" / "inbox.mbox"
        shutil.copyfile(path, copy)
        location = f"mbox:{home / 'mail'}:INBOX={copy}:INDEX=MEMORY"
    else:
        copy = home / "mail" / "box"
        copy.mkdir()
        for sub in ("cur", "new"):
            src = path / folder / sub
            if src.is_dir() and not src.is_symlink():
                shutil.copytree(src, copy / sub, symlinks=True)
        location = f"maildir:{copy}:INDEX=MEMORY"
    _chown_tree(home, _owner())
    return imap_message_ids(location, home)


# ---------------------------------------------------------------------- Python's mailbox and formail
def python_ids(kind: str, path: Path, folder: str) -> list[str | None]:
    box: mailbox.Mailbox
    if kind == "mbox":
        box = mailbox.mbox(path, create=False)
    else:
        box = mailbox.Maildir(path / folder, factory=None, create=False)
    try:
        return [normalise_id(str(msg["Message-ID"])) if msg["Message-ID"] is not None else None for msg in box]
    finally:
        box.close()


FORMAIL_MARK = "\x1fleakdesk-formail-message\x1f"


def formail_ids(path: Path) -> list[str | None] | None:
    """formail's split of an mbox (`formail -s`); None when procmail is not installed."""
    if shutil.which("formail") is None:
        return None
    per_message = f"printf '{FORMAIL_MARK}\\n'; formail -c -x Message-ID: | head -n 1"
    with path.open("rb") as fh:
        done = subprocess.run(["formail", "-s", "sh", "-c", per_message], stdin=fh, capture_output=True,
                              timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"formail failed: {done.stderr.decode('utf-8', 'replace')[:300]}")
    chunks = done.stdout.decode("utf-8", "replace").split(FORMAIL_MARK + "\n")[1:]
    return [normalise_id(c) for c in chunks]


# ---------------------------------------------------------------------- the comparison
def client_ids(reader: str, kind: str, path: Path, folder: str, scratch: Path) -> list[str | None] | None:
    """One client's Message-IDs for one physical folder; None when the client does not read this kind."""
    if reader == "dovecot":
        return dovecot_ids(kind, path, folder, scratch)
    if reader == "python":
        return python_ids(kind, path, folder)
    return formail_ids(path) if kind == "mbox" else None


def compare(paths: list[Path]) -> list[Folder]:
    """Every physical folder of every mailbox under `paths`, with each reader's Message-IDs."""
    out: list[Folder] = []
    for kind, path in find_mailboxes(paths):
        with tempfile.TemporaryDirectory(prefix="ld-counts-") as tmp:
            scratch = Path(tmp)
            os.chmod(scratch, 0o755)
            desk = leakdesk_ids(kind, path, scratch)
            folders = [""] if kind == "mbox" else maildir_folders(path)
            for rel in folders:
                name = path.name if kind == "mbox" else folder_name(path, rel or ".")
                row = Folder(str(path), rel, name)
                row.ids["leakdesk"] = desk.get(rel, [])
                for reader in ("dovecot", "python", "formail"):
                    try:
                        row.ids[reader] = client_ids(reader, kind, path, rel, scratch)
                    except Exception as exc:  # a client that cannot read the folder is part of the answer
                        row.ids[reader] = None
                        row.errors[reader] = f"{type(exc).__name__}: {exc}"
                out.append(row)
    return out


def _cell(row: Folder, reader: str) -> str:
    n = row.count(reader)
    if n is None:
        return "error" if reader in row.errors else "-"
    if reader == "leakdesk":
        return str(n)
    if not row.agrees(reader):
        return f"{n} ≠"
    return f"{n}" + (" (ids ≠)" if any(row.id_differences(reader)) else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, help="mbox files, Maildirs, or folders holding them")
    parser.add_argument("--json", action="store_true", help="print every folder's counts and Message-IDs as JSON")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"No such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    rows = compare(args.paths)
    if args.json:
        print(json.dumps([{**asdict(r), "counts": {k: r.count(k) for k in r.ids},
                           "agrees_with_dovecot": r.agrees("dovecot"),
                           "ids_only_leakdesk_read": r.id_differences("dovecot")[0],
                           "ids_only_dovecot_read": r.id_differences("dovecot")[1]} for r in rows], indent=1))
    else:
        print(f"{'mailbox / folder':60} {'leakdesk':>9} {'dovecot':>14} {'python':>14} {'formail':>14}")
        for r in rows:
            label = (r.mailbox + (f" [{r.folder}]" if r.folder else ""))[-60:]
            print(f"{label:60} " + " ".join(f"{_cell(r, k):>{9 if k == 'leakdesk' else 14}}"
                                           for k in ("leakdesk", "dovecot", "python", "formail")))
            for reader, why in r.errors.items():
                print(f"    {reader}: {why}")
            only_desk, only_dovecot = r.id_differences("dovecot")
            if only_desk or only_dovecot:
                print(f"    Message-IDs only leakdesk read: {only_desk}; only Dovecot read: {only_dovecot}")
        total = {k: sum(r.count(k) or 0 for r in rows) for k in ("leakdesk", "dovecot", "python", "formail")}
        print(f"{len(rows)} folders; messages: " + ", ".join(f"{k} {v}" for k, v in total.items()))
    disagree = [r for r in rows if r.agrees("dovecot") is not True]
    if not args.json:
        if disagree:
            print(f"leakdesk and Dovecot count differently in {len(disagree)} folder(s): "
                  + "; ".join(f"{r.mailbox} [{r.folder or r.name}]" for r in disagree))
        if any(any(r.id_differences("dovecot")) for r in rows):
            print(BLANK_FIRST_LINE_NOTE)
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
