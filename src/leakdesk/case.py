"""Open or create a case folder: its database, originals, exports and settings."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import CaseError
from leakdesk.store import audit as audit_log
from leakdesk.store import db
from leakdesk.store.originals import Originals

SETTINGS = "case.json"
CASE_ENV = "LEAKDESK_CASE"


@dataclass
class Settings:
    """Per-case settings kept in `case.json` (never secrets)."""

    languages: list[str] = field(default_factory=lambda: ["ru", "en"])
    db_url: str | None = None  # None: the case's own case.db

    @classmethod
    def load(cls, path: Path) -> Settings:
        data = json.loads(path.read_text("utf-8"))
        return cls(languages=data.get("languages", ["ru", "en"]), db_url=data.get("db_url"))

    def save(self, path: Path) -> None:
        path.write_text(
            json.dumps({"languages": self.languages, "db_url": self.db_url}, indent=2) + "\n", "utf-8"
        )


USER_ENV = "LEAKDESK_USER"


def default_actor() -> str:
    """The desk user recorded as the actor: LEAKDESK_USER, else LEAKDESK_ACTOR (older name), else the login name."""
    return (os.environ.get(USER_ENV) or os.environ.get("LEAKDESK_ACTOR") or "").strip() or getpass.getuser()


class Case:
    """One case folder. Every capability reaches the store through this object."""

    def __init__(self, root: Path, engine: sa.Engine, settings: Settings, actor: str | None = None) -> None:
        self.root = root
        self.engine = engine
        self.settings = settings
        self.actor = actor or default_actor()
        self.originals = Originals(root / "originals")

    # ----------------------------------------------------------------- life cycle
    @classmethod
    def init(cls, root: Path | str, db_url: str | None = None, languages: list[str] | None = None) -> Case:
        """Create a case folder (or finish one half-made) and bring its schema to the newest revision."""
        root = Path(root)
        if (root / SETTINGS).exists():
            raise CaseError(f"{root} is already a leakdesk case; open it instead of initialising it again.")
        if root.exists() and any(p.name not in {".", ".."} for p in root.iterdir()):
            raise CaseError(f"{root} exists and is not empty; choose a new folder for the case.")
        for sub in ("originals", "exports", "reports"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        url = db.resolve_url(root, db_url)
        settings = Settings(
            languages=languages or ["ru", "en"], db_url=None if url == db.sqlite_url(root) else url
        )
        engine = db.make_engine(url)
        db.migrate(engine)
        settings.save(root / SETTINGS)
        case = cls(root, engine, settings)
        with case.transaction() as conn:
            case.audit(
                conn,
                "case.init",
                str(root.name),
                {"db": engine.dialect.name, "languages": settings.languages},
            )
        return case

    @classmethod
    def open(
        cls, root: Path | str | None = None, db_url: str | None = None, actor: str | None = None
    ) -> Case:
        """Open an existing case (migrating its schema forward if leakdesk is newer)."""
        root = Path(root or os.environ.get(CASE_ENV) or "")
        if not str(root) or not (root / SETTINGS).exists():
            raise CaseError(
                f"{root or 'No case given'}: not a leakdesk case folder (run `leakdesk init` first)."
            )
        settings = Settings.load(root / SETTINGS)
        engine = db.make_engine(db.resolve_url(root, db_url or settings.db_url))
        if not db.is_current(engine):
            db.migrate(engine)
        return cls(root, engine, settings, actor)

    def close(self) -> None:
        self.engine.dispose()

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

    @property
    def gnupg_home(self) -> Path:
        """The case's own GnuPG home (keys imported with `leakdesk keys import`)."""
        home = self.root / "gnupg"
        home.mkdir(mode=0o700, exist_ok=True)
        return home

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def reports(self) -> Path:
        return self.root / "reports"
