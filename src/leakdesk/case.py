"""Open or create a case folder: its database, originals, exports and settings."""

from __future__ import annotations

import getpass
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import CaseError
from leakdesk.store import audit as audit_log
from leakdesk.store import checkpoint as checkpoints
from leakdesk.store import db
from leakdesk.store.digests import record_dispatch_digest
from leakdesk.store.encryption import (
    KEY_FILE,
    MISSING_PASSPHRASE,
    CaseKey,
    KdfParams,
    create_key_file,
    open_key_file,
    passphrase_from_env,
)
from leakdesk.store.fsck import FsckReport
from leakdesk.store.fsck import fsck as run_fsck
from leakdesk.store.keys import desk_key, write_private
from leakdesk.store.originals import Originals, Slice
from leakdesk.store.records.custody import recorded_among, slice_of

SETTINGS = "case.json"
CASE_ENV = "LEAKDESK_CASE"


@dataclass
class Settings:
    """Per-case settings kept in `case.json` (never secrets)."""

    languages: list[str] = field(default_factory=lambda: ["ru", "en"])
    db_url: str | None = None  # None: the case's own case.db
    case_id: str | None = None  # hash of the case.init audit entry; finds the desk's anchor and checkpoints
    encrypted: bool = False  # case.db and originals encrypted; the wrapped key is in case.key

    @classmethod
    def load(cls, path: Path) -> Settings:
        data = json.loads(path.read_text("utf-8"))
        return cls(
            languages=data.get("languages", ["ru", "en"]), db_url=data.get("db_url"), case_id=data.get("case_id"),
            encrypted=bool(data.get("encrypted", False)),
        )

    def save(self, path: Path) -> None:
        data: dict[str, Any] = {"languages": self.languages, "db_url": self.db_url, "case_id": self.case_id}
        if self.encrypted:
            data["encrypted"] = True
        write_private(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


USER_ENV = "LEAKDESK_USER"


def default_actor() -> str:
    """The desk user recorded as the actor: LEAKDESK_USER, else LEAKDESK_ACTOR (older name), else the login name."""
    return (os.environ.get(USER_ENV) or os.environ.get("LEAKDESK_ACTOR") or "").strip() or getpass.getuser()


class Case:
    """One case folder. Every capability reaches the store through this object."""

    def __init__(self, root: Path, engine: sa.Engine, settings: Settings, actor: str | None = None,
                 key: CaseKey | None = None) -> None:
        self.root = root
        self.engine = engine
        self.settings = settings
        self.actor = actor or default_actor()
        self.key = key  # an encrypted case's data key, in memory only
        self.originals = Originals(root / "originals", key.originals_key() if key else None, locate=self._slice_of,
                                   recorded=self._recorded)

    def _slice_of(self, sha256: str) -> Slice | None:
        """Where an original kept inside its container is (the originals store asks when it has no file)."""
        with self.engine.connect() as conn:
            return slice_of(conn, sha256)

    def _recorded(self, shas: list[str]) -> set[str]:
        """Which of these originals the case records already (the store does not pack them again)."""
        with self.engine.connect() as conn:
            return recorded_among(conn, shas)

    # ----------------------------------------------------------------- life cycle
    @classmethod
    def init(
        cls, root: Path | str, db_url: str | None = None, languages: list[str] | None = None, *,
        encrypted: bool = False, passphrase: bytes | None = None, kdf: KdfParams | None = None,
    ) -> Case:
        """Create a case folder (or finish one half-made) and bring its schema to the newest revision.

        `encrypted`: case.db (SQLCipher) and the originals are encrypted with a random data key, kept in case.key
        wrapped by `passphrase` (else the file named by LEAKDESK_PASSPHRASE_FILE) through Argon2id (`kdf`)."""
        root = Path(root)
        if (root / SETTINGS).exists():
            raise CaseError(f"{root} is already a leakdesk case; open it instead of initialising it again.")
        if root.exists() and any(p.name not in {".", ".."} for p in root.iterdir()):
            raise CaseError(f"{root} exists and is not empty; choose a new folder for the case.")
        url = db.resolve_url(root, db_url)
        if encrypted and url != db.sqlite_url(root):
            raise CaseError("Only a case's own case.db can be encrypted by leakdesk; a PostgreSQL database is "
                            "encrypted by its server (TDE or disk encryption), so use --encrypted without --db.")
        if encrypted:
            passphrase = passphrase or passphrase_from_env()
            if not passphrase:
                raise CaseError("An encrypted case needs a passphrase; give it with --passphrase-file.")
        key = desk_key()  # made now, outside the case, if this desk has none yet
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(root, 0o700)  # private by default: only the desk's own user reads the case
        for sub in ("originals", "exports", "reports"):
            (root / sub).mkdir(mode=0o700, exist_ok=True)
        settings = Settings(  # a password in the URL goes to the desk's pgpass, never into case.json
            languages=languages or ["ru", "en"], db_url=None if url == db.sqlite_url(root) else db.store_password(url),
            encrypted=encrypted,
        )
        case_key = create_key_file(root, passphrase, kdf) if encrypted and passphrase else None
        if url == db.sqlite_url(root):
            write_private(root / "case.db", b"")  # SQLite gives its -wal and -shm files the same 0600
        engine = db.make_engine(url, case_key.database_key() if case_key else None)
        db.migrate(engine)
        settings.save(root / SETTINGS)
        case = cls(root, engine, settings, key=case_key)
        with case.transaction() as conn:
            case.audit(
                conn,
                "case.init",
                str(root.name),
                {"db": engine.dialect.name, "languages": settings.languages, "desk_key": key and key.key_id}
                | ({"encrypted": True} if encrypted else {}),
            )
            settings.case_id = checkpoints.case_id_of(conn)
        settings.save(root / SETTINGS)
        case._anchor()
        return case

    @classmethod
    def open(
        cls, root: Path | str | None = None, db_url: str | None = None, actor: str | None = None, *,
        passphrase: bytes | None = None,
    ) -> Case:
        """Open an existing case (migrating its schema forward if leakdesk is newer).

        An encrypted case needs its passphrase: `passphrase`, else the file named by LEAKDESK_PASSPHRASE_FILE."""
        root = Path(root or os.environ.get(CASE_ENV) or "")
        if not str(root) or not (root / SETTINGS).exists():
            raise CaseError(
                f"{root or 'No case given'}: not a leakdesk case folder (run `leakdesk case init` first)."
            )
        settings = Settings.load(root / SETTINGS)
        case_key = cls._unlock(root, settings, passphrase)
        engine = db.make_engine(db.resolve_url(root, db_url or settings.db_url),
                                case_key.database_key() if case_key else None)
        if not db.is_current(engine):
            db.migrate(engine)
        case = cls(root, engine, settings, actor, key=case_key)
        case._anchor()
        return case

    @staticmethod
    def _unlock(root: Path, settings: Settings, passphrase: bytes | None) -> CaseKey | None:
        """The data key of an encrypted case (None for a plain one); CaseError when the passphrase is missing or
        wrong, or the key file is gone."""
        if not settings.encrypted and not (root / KEY_FILE).exists():
            return None
        if not (root / KEY_FILE).exists():
            raise CaseError(f"{root / KEY_FILE} is missing, and this encrypted case cannot be opened without it; "
                            "restore it from a backup.")
        passphrase = passphrase or passphrase_from_env()
        if not passphrase:
            raise CaseError(MISSING_PASSPHRASE)
        return open_key_file(root, passphrase)

    def _anchor(self) -> None:
        """Note in the desk's home, once, from which audit entry on this desk seals the case."""
        key = desk_key()
        assert key is not None
        with self.connect() as conn:
            case_id = checkpoints.case_id_of(conn) or self.settings.case_id
            if case_id is not None:
                checkpoints.ensure_anchor(conn, case_id, key, self.root)

    def close(self) -> None:
        self.engine.dispose()
        self.originals.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- store access
    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One database transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    def audit(self, conn: sa.Connection, action: str, obj: str, details: Any = None) -> int:
        """Record an action in the hash-chained audit log, in the caller's transaction."""
        return audit_log.append(conn, self.actor, action, obj, details)

    def record_dispatch_digest(
        self, conn: sa.Connection, dispatch_id: int, action: str, details: dict[str, Any] | None = None
    ) -> int:
        """After changing a dispatch's subject, sender, headers, texts or custody: audit it with the new digest,
        so that `fsck` accepts the change (edits that skip this are reported as tampering)."""
        return record_dispatch_digest(conn, self.actor, dispatch_id, action, details)

    def checkpoint(self, out: Path | str, tsa_url: str | None = None) -> dict[str, Any]:
        """Audit and sign a statement of the log's head; written to `out` and kept in the desk's home.

        `tsa_url`: also have an RFC 3161 time-stamping authority timestamp it (verified offline by fsck)."""
        key = desk_key()
        assert key is not None
        out = Path(out)
        with self.transaction() as conn:
            case_id = checkpoints.case_id_of(conn)
            if case_id is None:
                raise CaseError(f"{self.root}: the audit log has no case.init entry; run `leakdesk case fsck` first.")
            self.audit(conn, "audit.checkpoint", out.name, {"key_id": key.key_id})
            signed = checkpoints.sign(checkpoints.head_statement(conn, case_id, self.root.name), key)
            if tsa_url:
                checkpoints.add_timestamp(signed, tsa_url)
            checkpoints.save(signed, out)  # inside the transaction: no audited checkpoint without its file
        return signed

    def make_private(self) -> int:
        """Make an older case private: folders 0700, files 0600, originals 0400 (links are left alone).

        Returns how many entries changed; the change is audited."""
        changed = 0
        for folder, dirs, files in os.walk(self.root):  # os.walk does not follow links to folders
            inside_originals = Path(folder).is_relative_to(self.originals.root)
            for name, want in [(d, 0o700) for d in dirs] + [(f, 0o400 if inside_originals else 0o600) for f in files]:
                path = os.path.join(folder, name)
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode) or not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                    continue
                if stat.S_IMODE(st.st_mode) != want:
                    os.chmod(path, want)
                    changed += 1
        if stat.S_IMODE(os.lstat(self.root).st_mode) != 0o700:
            os.chmod(self.root, 0o700)
            changed += 1
        with self.transaction() as conn:
            self.audit(conn, "case.make-private", self.root.name, {"changed": changed})
        return changed

    def fsck(
        self,
        checkpoint: Path | str | None = None,
        tsa_roots: list[Path] | None = None,
        checkpoint_key: str | None = None,
    ) -> FsckReport:
        """Check the whole case (see store/fsck.py); `checkpoint`: compare with this file; `tsa_roots`: verify
        its RFC 3161 timestamp with these root certificates; `checkpoint_key`: the key id that must have signed it."""
        with self.connect() as conn:
            return run_fsck(
                conn,
                self.originals,
                Path(checkpoint) if checkpoint else None,
                case_id=self.settings.case_id,
                tsa_roots=tsa_roots,
                checkpoint_key=checkpoint_key,
            )

    @property
    def gnupg_home(self) -> Path:
        """The case's own GnuPG home (keys imported with `leakdesk key import`)."""
        home = self.root / "gnupg"
        home.mkdir(mode=0o700, exist_ok=True)
        return home

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def reports(self) -> Path:
        return self.root / "reports"
