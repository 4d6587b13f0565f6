"""Desk accounts: users with roles, Argon2id passwords, optional TOTP, browser sessions and API tokens.

Secrets are never stored in clear: passwords as Argon2id hashes, session cookies and API tokens as sha256.
Nothing about the client (address, user agent) is recorded. Every change of state is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from leakdesk.errors import DeskError, UsageError
from leakdesk.store import audit as audit_log
from leakdesk.store import tables as t
from leakdesk.store.records.common import CaseConnections

ROLES = ("admin", "editor", "translator", "reviewer", "viewer")
# What each role may do; "read" is every page and GET of the API.
RIGHTS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "translate", "comment", "review", "corroborate", "entities"}),
    "editor": frozenset({"read", "translate", "comment", "review", "corroborate", "entities"}),
    "translator": frozenset({"read", "translate", "comment"}),
    "reviewer": frozenset({"read", "comment", "review", "corroborate"}),
    "viewer": frozenset({"read"}),
}
MIN_PASSWORD = 10
SESSION_HOURS = 12
MAX_FAILURES = 5  # failed logins per account name within FAILURE_WINDOW before logins are refused
FAILURE_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()  # Argon2id with the library's current recommended cost


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    has_totp: bool
    created: datetime

    def may(self, right: str) -> bool:
        return right in RIGHTS.get(self.role, frozenset())

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "totp": self.has_totp, "created": self.created.isoformat()}


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row: Any) -> User:
    return User(row.id, row.name, row.role, bool(row.totp_secret), _aware(row.created))


def _active(conn: sa.Connection, name: str) -> Any:
    return conn.execute(
        sa.select(t.web_user).where(t.web_user.c.name == name, t.web_user.c.removed.is_(None))
    ).first()


def add_user(case: CaseConnections, name: str, role: str, password: str, totp: bool = False) -> tuple[User, str | None]:
    """Create a desk user; returns the user and, with `totp`, the provisioning URI to show once."""
    name = name.strip()
    if not name or len(name) > 200 or any(ch.isspace() for ch in name):
        raise UsageError(f"User name {name!r} must be one word of at most 200 characters.")
    if role not in ROLES:
        raise UsageError(f"Role {role!r} is not one of: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"The password for {name} is too short; use at least {MIN_PASSWORD} characters.")
    secret = pyotp.random_base32() if totp else None
    with case.transaction() as conn:
        if _active(conn, name) is not None:
            raise DeskError(f"There is already a desk user called {name}.")
        if conn.execute(sa.select(t.web_user.c.id).where(t.web_user.c.name == name)).first() is not None:
            raise DeskError(f"{name} was a desk user before and is kept for the record; choose another name.")
        created = _now()
        user_id = conn.execute(t.web_user.insert().values(
            name=name, role=role, password_hash=_hasher.hash(password), totp_secret=secret, created=created,
        )).inserted_primary_key[0]  # type: ignore[index]
        case.audit(conn, "user.add", f"user:{name}", {"role": role, "totp": totp})
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="leakdesk") if secret else None
    return User(int(user_id), name, role, totp, created), uri


def list_users(case: CaseConnections) -> list[User]:
    with case.connect() as conn:
        rows = conn.execute(
            sa.select(t.web_user).where(t.web_user.c.removed.is_(None)).order_by(t.web_user.c.name)
        ).all()
    return [_user(r) for r in rows]


def show_user(case: CaseConnections, name: str) -> dict[str, Any]:
    """One desk user: role, authenticator, when added, the API tokens in force (never the tokens themselves) and
    how many audit entries name them as the actor (the first and the last)."""
    with case.connect() as conn:
        row = _active(conn, name)
        if row is None:
            raise DeskError(f"There is no desk user called {name}.")
        tokens = conn.execute(sa.select(t.api_token.c.id, t.api_token.c.label, t.api_token.c.created)
                              .where(t.api_token.c.user_id == row.id, t.api_token.c.revoked.is_(None))
                              .order_by(t.api_token.c.id)).all()
        sessions = conn.execute(sa.select(sa.func.count()).select_from(t.web_session)
                                .where(t.web_session.c.user_id == row.id)).scalar_one()
        count, first, last = conn.execute(sa.select(sa.func.count(), sa.func.min(t.audit.c.time),
                                                    sa.func.max(t.audit.c.time))
                                          .where(t.audit.c.actor == row.name)).one()
    return {**_user(row).as_json(), "sessions": int(sessions),
            "tokens": [{"id": r.id, "label": r.label, "created": _aware(r.created).isoformat()} for r in tokens],
            "actions": int(count), "first_action": first, "last_action": last}


def remove_user(case: CaseConnections, name: str) -> None:
    """Remove a user: their sessions end and their tokens are revoked; the name stays in the audit log."""
    with case.transaction() as conn:
        row = _active(conn, name)
        if row is None:
            raise DeskError(f"There is no desk user called {name}.")
        stamp = _now()
        conn.execute(t.web_user.update().where(t.web_user.c.id == row.id).values(removed=stamp))
        conn.execute(t.web_session.delete().where(t.web_session.c.user_id == row.id))
        conn.execute(t.api_token.update().where(t.api_token.c.user_id == row.id, t.api_token.c.revoked.is_(None))
                     .values(revoked=stamp))
        case.audit(conn, "user.remove", f"user:{name}", {})


def _failures(conn: sa.Connection, name: str) -> int:
    since = _now() - FAILURE_WINDOW
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(t.login_failure)
        .where(t.login_failure.c.name == name[:200], t.login_failure.c.time >= since)
    ).scalar_one())


def authenticate(case: CaseConnections, name: str, password: str, totp_code: str | None = None) -> User:
    """Check a login; refused after MAX_FAILURES failures for that name within FAILURE_WINDOW."""
    refused = DeskError("The user name, password or code is wrong.")
    with case.transaction() as conn:
        if _failures(conn, name) >= MAX_FAILURES:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise DeskError(f"Too many failed logins for {name[:200]}; wait {minutes} minutes and try again.")
        row = _active(conn, name)
        ok = False
        if row is not None:
            try:
                ok = _hasher.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
            if ok and row.totp_secret:
                ok = bool(totp_code) and pyotp.TOTP(row.totp_secret).verify(str(totp_code).strip(), valid_window=1)
        if not ok:
            conn.execute(t.login_failure.insert().values(name=name[:200], time=_now()))
    if not ok:
        raise refused
    return _user(row)


def start_session(case: CaseConnections, user: User) -> str:
    """A new session for a user who just logged in; returns the cookie value (stored only as its sha256)."""
    token = secrets.token_urlsafe(32)
    stamp = _now()
    with case.transaction() as conn:
        conn.execute(t.login_failure.delete().where(t.login_failure.c.name == user.name))
        conn.execute(t.web_session.delete().where(t.web_session.c.expires < stamp))
        conn.execute(t.web_session.insert().values(
            token_hash=_digest(token), user_id=user.id, created=stamp, expires=stamp + timedelta(hours=SESSION_HOURS)
        ))
        audit_log.append(conn, user.name, "web.login", f"user:{user.name}", {})
    return token


def end_session(case: CaseConnections, token: str) -> None:
    with case.transaction() as conn:
        row = conn.execute(
            sa.select(t.web_session.c.id, t.web_user.c.name)
            .select_from(t.web_session.join(t.web_user, t.web_session.c.user_id == t.web_user.c.id))
            .where(t.web_session.c.token_hash == _digest(token))
        ).first()
        if row is None:
            return
        conn.execute(t.web_session.delete().where(t.web_session.c.id == row.id))
        audit_log.append(conn, row.name, "web.logout", f"user:{row.name}", {})


def _user_by(conn: sa.Connection, table: sa.Table, token: str, *conditions: Any) -> User | None:
    row = conn.execute(
        sa.select(t.web_user)
        .select_from(table.join(t.web_user, table.c.user_id == t.web_user.c.id))
        .where(table.c.token_hash == _digest(token), t.web_user.c.removed.is_(None), *conditions)
    ).first()
    return None if row is None else _user(row)


def session_user(case: CaseConnections, token: str) -> User | None:
    """The user a session cookie belongs to, or None if it is unknown or expired."""
    found = session_until(case, token)
    return None if found is None else found[0]


def session_until(case: CaseConnections, token: str) -> tuple[User, datetime] | None:
    """The user a session cookie belongs to and when the session expires, or None if it is unknown or expired."""
    with case.connect() as conn:
        row = conn.execute(
            sa.select(t.web_user, t.web_session.c.expires)
            .select_from(t.web_session.join(t.web_user, t.web_session.c.user_id == t.web_user.c.id))
            .where(t.web_session.c.token_hash == _digest(token), t.web_user.c.removed.is_(None),
                   t.web_session.c.expires > _now())
        ).first()
    return None if row is None else (_user(row), _aware(row.expires))


def create_token(case: CaseConnections, name: str, label: str = "script") -> str:
    """A new API token for a user; shown once, stored as its sha256."""
    token = "ld_" + secrets.token_urlsafe(32)
    with case.transaction() as conn:
        row = _active(conn, name)
        if row is None:
            raise DeskError(f"There is no desk user called {name}; add one with `leakdesk user add`.")
        conn.execute(t.api_token.insert().values(
            token_hash=_digest(token), user_id=row.id, label=label[:200], created=_now()
        ))
        case.audit(conn, "token.create", f"user:{name}", {"label": label[:200]})
    return token


def list_tokens(case: CaseConnections) -> list[dict[str, Any]]:
    """Every API token still in force: its number, the user it acts as, its label and when it was made (never the
    token itself, which only its holder has)."""
    query = (sa.select(t.api_token.c.id, t.api_token.c.label, t.api_token.c.created, t.web_user.c.name)
             .join(t.web_user, t.web_user.c.id == t.api_token.c.user_id)
             .where(t.api_token.c.revoked.is_(None)).order_by(t.api_token.c.id))
    with case.connect() as conn:
        return [{"id": r.id, "user": r.name, "label": r.label, "created": _aware(r.created).isoformat()}
                for r in conn.execute(query)]


def revoke_token(case: CaseConnections, token_id: int) -> dict[str, Any]:
    """Revoke one API token by its number: scripts using it are refused from then on (the row stays, revoked)."""
    from leakdesk.errors import NoSuchRecord

    with case.transaction() as conn:
        row = conn.execute(
            sa.select(t.api_token.c.id, t.api_token.c.label, t.web_user.c.name)
            .join(t.web_user, t.web_user.c.id == t.api_token.c.user_id)
            .where(t.api_token.c.id == token_id, t.api_token.c.revoked.is_(None))
        ).first()
        if row is None:
            raise NoSuchRecord(f"No such token {token_id} in this case (see `leakdesk token list CASE`).")
        conn.execute(t.api_token.update().where(t.api_token.c.id == token_id).values(revoked=_now()))
        case.audit(conn, "token.revoke", f"user:{row.name}", {"token": token_id, "label": row.label})
    return {"id": row.id, "user": row.name, "label": row.label}


def token_user(case: CaseConnections, token: str) -> User | None:
    with case.connect() as conn:
        return _user_by(conn, t.api_token, token, t.api_token.c.revoked.is_(None))


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: derived from the cookie, so it is never stored and dies with the session."""
    return hmac.new(session_token.encode("utf-8"), b"leakdesk-csrf", hashlib.sha256).hexdigest()


def csrf_valid(session_token: str, candidate: str | None) -> bool:
    return bool(candidate) and hmac.compare_digest(csrf_token(session_token), str(candidate))
