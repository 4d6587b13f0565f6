"""Where an IMAP fetch got to, per mailbox folder (`user@host:port/folder`): its UIDVALIDITY and the last UID
fetched, so a re-run asks the server only for newer messages (and rescans when UIDVALIDITY changed)."""

from __future__ import annotations

import sqlalchemy as sa

from leakdesk.store.records.common import now
from leakdesk.store.tables import imap_state


def load(conn: sa.Connection, mailbox: str) -> tuple[int, int] | None:
    """(UIDVALIDITY, last UID fetched) of a folder, or None if it was never fetched."""
    row = conn.execute(sa.select(imap_state).where(imap_state.c.mailbox == mailbox)).first()
    return (int(row.uidvalidity), int(row.last_uid)) if row else None


def save(conn: sa.Connection, mailbox: str, uidvalidity: int, last_uid: int) -> None:
    """Record how far a folder was fetched (one row per folder, updated in place)."""
    values = {"uidvalidity": uidvalidity, "last_uid": last_uid, "updated": now()}
    done = conn.execute(imap_state.update().where(imap_state.c.mailbox == mailbox).values(**values))
    if not done.rowcount:
        conn.execute(imap_state.insert().values(mailbox=mailbox, **values))
