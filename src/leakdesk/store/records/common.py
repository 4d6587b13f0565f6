"""What the record modules share: UTC times, new row ids, the one "no such dispatch" error, and what they need of a
case."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any, Protocol

import sqlalchemy as sa

from leakdesk.errors import NoSuchRecord, StoreError
from leakdesk.store.tables import dispatch


class CaseConnections(Protocol):
    """What a record module that opens its own transactions needs of a case (`leakdesk.case.Case` is one): the
    store sits below the case and never imports it."""

    def transaction(self) -> AbstractContextManager[sa.Connection]: ...

    def connect(self) -> AbstractContextManager[sa.Connection]: ...

    def audit(self, conn: sa.Connection, action: str, obj: str, details: Any = None) -> int: ...


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive datetimes that were stored as UTC)."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def as_date(value: Any) -> date | None:
    """A date from a stored date, datetime or ISO 8601 string (as written, with its zone); None if unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None


def new_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("The database did not return the id of the new row.")
    return int(key[0])


def no_such_dispatch(dispatch_id: object) -> NoSuchRecord:
    """The one error every command and page gives for a dispatch that is not in the case."""
    return NoSuchRecord(f"No such dispatch {dispatch_id} in this case.")


def parse_dispatch_id(value: object) -> int:
    """A dispatch number typed by a user; the same error as a missing dispatch when it is not a number."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise no_such_dispatch(value) from None
    if number < 1:
        raise no_such_dispatch(value)
    return number


def require_dispatch(conn: sa.Connection, dispatch_id: int) -> None:
    """Raise `NoSuchRecord` unless the dispatch exists."""
    if conn.execute(sa.select(dispatch.c.id).where(dispatch.c.id == dispatch_id)).first() is None:
        raise no_such_dispatch(dispatch_id)
