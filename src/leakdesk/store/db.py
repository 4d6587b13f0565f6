"""Database engine: SQLite (default, WAL) or PostgreSQL from a URL; schema managed by Alembic."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from leakdesk.secrets import split_password
from leakdesk.store.keys import desk_home, write_private

if TYPE_CHECKING:  # Alembic is imported only when a schema has to be migrated (it doubles a command's start-up)
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
DB_ENV = "LEAKDESK_DB"
PGPASS = "pgpass"  # in the desk's home, libpq's .pgpass format: passwords never go into case.json


def sqlite_url(case_dir: Path) -> str:
    return f"sqlite:///{(case_dir / 'case.db').resolve()}"


def resolve_url(case_dir: Path, url: str | None) -> str:
    """The database URL: an explicit --db, else LEAKDESK_DB, else the case's own case.db."""
    url = url or os.environ.get(DB_ENV)
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url or sqlite_url(case_dir)


# A new case's pages are 16 KiB, not SQLite's 4 KiB: ingest writes tens of megabytes per thousand letters, and each
# page goes through the write-ahead log and back into the database, a system call each way (a quarter as many).
PAGE_SIZE = 16_384
CACHE_KIB = 32_768  # pages kept in memory per connection, at most (SQLite's default is 2 MiB)


def make_engine(url: str, database_key: str | None = None) -> sa.Engine:
    """An engine with the pragmas leakdesk relies on (WAL, foreign keys, a busy timeout, a page size for new
    databases and a page cache).

    `database_key`: an encrypted case's SQLCipher raw key (`x'…'`), given as `PRAGMA key` before anything else is
    read; it lives only in the engine's URL in memory (SQLAlchemy masks it when the URL is shown)."""
    if not url.startswith("sqlite"):
        passfile = desk_home() / PGPASS
        connect_args = {"passfile": str(passfile)} if passfile.exists() else {}
        return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if database_key is None:
        engine = sa.create_engine(url, connect_args={"timeout": 30})
    else:  # pysqlcipher issues the key first; one pool of connections per engine, as for plain SQLite
        cipher_url = sa.engine.make_url(url).set(drivername="sqlite+pysqlcipher", password=database_key)
        engine = sa.create_engine(cipher_url, connect_args={"timeout": 30}, poolclass=sa.pool.QueuePool)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        if database_key is None:  # a new database only (SQLCipher keeps its own cipher page size)
            cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cur.close()

    return engine


def _pgpass_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def store_password(url: str) -> str:
    """Move a PostgreSQL URL's password into the desk's pgpass file; returns the URL without it."""
    bare, password = split_password(url)
    if password is None:
        return url
    parts = urlsplit(url)
    fields = [
        _pgpass_field(unquote(v))
        for v in (parts.hostname or "localhost", str(parts.port or 5432), parts.path.lstrip("/") or "*",
                  parts.username or "*", password)
    ]
    entry, prefix = ":".join(fields), ":".join(fields[:4]) + ":"
    path = desk_home() / PGPASS
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    lines = [line for line in lines if not line.startswith(prefix)] + [entry]
    write_private(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return bare


def alembic_config(engine: sa.Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest revision."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


REVISION_LINE = re.compile(r'^revision = "([^"]+)"', re.M)
DOWN_LINE = re.compile(r'^down_revision = (?:"([^"]+)"|None)', re.M)


def head_revision() -> str:
    """The newest revision of the (linear) chain in migrations/versions, read from the files without Alembic."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text("utf-8")
        found, down = REVISION_LINE.search(source), DOWN_LINE.search(source)
        if found:
            revisions[found.group(1)] = down.group(1) if down else None
    parents = {p for p in revisions.values() if p}
    heads = [r for r in revisions if r not in parents]
    if len(heads) != 1:
        raise RuntimeError(f"The migration chain has {len(heads)} heads ({', '.join(sorted(heads))}); "
                           "it must be linear.")
    return heads[0]


def is_current(engine: sa.Engine) -> bool:
    """True when the database is at the newest schema revision (one query; Alembic is not loaded)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return False
        current = {r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}
    return current == {head_revision()}
