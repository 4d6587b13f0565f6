"""Who is asking, and may they: session cookie or API token, CSRF on every state change, roles on every route."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Request

from leakdesk.case import Case
from leakdesk.store.records import accounts
from leakdesk.store.records.accounts import User

MAX_ID = 2**31 - 1  # ids and positions are bounded before they reach the database
DispatchId = Annotated[int, Path(ge=1, le=MAX_ID, description="The dispatch's id (as in /dispatches/{id}).")]
ClaimId = Annotated[int, Path(ge=1, le=MAX_ID)]
Position = Annotated[int, Path(ge=0, le=MAX_ID, description="The segment's position in the translation.")]
SESSION_COOKIE = "leakdesk_session"
LOGIN_COOKIE = "leakdesk_login"  # a pre-session value so that the login form itself carries a CSRF token
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No valid session or token: pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """A missing CSRF token or a right the user's role does not have (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Visitor:
    user: User
    session: str | None  # the cookie value; None when the request came with an API token

    @property
    def csrf(self) -> str:
        return accounts.csrf_token(self.session) if self.session else ""


def case_of(request: Request) -> Case:
    case: Case = request.app.state.case
    return case


def state_mark(request: Request) -> int:
    """The case's state (newest audit entry) as this request found it: read once per request, from the database."""
    mark = getattr(request.state, "mark", None)
    if mark is None:
        mark = request.state.mark = request.app.state.marks.mark()
    return int(mark)


class SessionCache:
    """Who each session cookie and API token belongs to, remembered while the case's state mark stays where it was
    when they were looked up, and never past the session's expiry. Logging in or out, removing a user and revoking
    a token all write an audit entry in the same transaction, so any of them moves the mark and the next request
    looks the token up in the database again. Keyed by a digest of the token; bounded; safe between threads."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._known: OrderedDict[bytes, tuple[int, User, datetime | None]] = OrderedDict()

    def user(self, case: Case, kind: str, token: str, mark: int) -> User | None:
        key = hashlib.sha256(f"{kind}\x1f{token}".encode()).digest()
        with self._lock:
            found = self._known.get(key)
        if found is not None:
            seen_at, user, expires = found
            if seen_at == mark and (expires is None or datetime.now(UTC) < expires):
                return user
        looked_up = _look_up(case, kind, token)
        with self._lock:
            if looked_up is None:
                self._known.pop(key, None)
                return None
            self._known[key] = (mark, *looked_up)
            self._known.move_to_end(key)
            while len(self._known) > self.size:
                self._known.popitem(last=False)
        return looked_up[0]


def _look_up(case: Case, kind: str, token: str) -> tuple[User, datetime | None] | None:
    if kind == "token":
        user = accounts.token_user(case, token)
        return None if user is None else (user, None)
    return accounts.session_until(case, token)


def visitor(request: Request) -> Visitor:
    """The logged-in user of this request, or LoginRequired."""
    case = case_of(request)
    sessions: SessionCache = request.app.state.sessions
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = sessions.user(case, "token", header[7:].strip(), state_mark(request))
        if user is not None:
            request.state.visitor = Visitor(user, None)
            return request.state.visitor
        raise LoginRequired()
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user = sessions.user(case, "session", cookie, state_mark(request))
        if user is not None:
            request.state.visitor = Visitor(user, cookie)
            return request.state.visitor
    raise LoginRequired()


async def reader(request: Request) -> Visitor:
    """Dependency of every GET route (a coroutine: a remembered session costs no trip to a worker thread)."""
    return visitor(request)


def writer(right: str):  # noqa: ANN201 - returns a FastAPI dependency
    """Dependency of every state-changing route: a session or token, a valid CSRF token, and the right."""

    async def check(request: Request) -> Visitor:
        who = visitor(request)
        if who.session is not None:
            token = request.headers.get(CSRF_HEADER)
            if token is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                token = str((await request.form()).get("csrf") or "")
            if not accounts.csrf_valid(who.session, token):
                raise Forbidden("This form has expired or did not come from the desk; reload the page and try again.")
        if not who.user.may(right):
            raise Forbidden(f"{who.user.name} is a {who.user.role} and may not {_VERBS.get(right, right)}.")
        return who

    return check


_VERBS = {
    "translate": "change translations",
    "comment": "comment on translations",
    "review": "record expert reviews",
    "corroborate": "change the status of claims",
    "entities": "merge entities",
}


def acting(request: Request, who: Visitor) -> Case:
    """The case acting as this user (same engine): every audit entry written through it names them."""
    case = case_of(request)
    return Case(case.root, case.engine, case.settings, actor=who.user.name, key=case.key)
