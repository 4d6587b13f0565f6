"""Rendered pages kept until the case changes, per session: the desk's answer to many readers of one case.

Every change of state writes an audit entry, so the newest audit entry's number (`desk.state_mark`) says when a
page may be stale: a page is kept under (session, role, address, mark) and the next edit — from the desk or the
CLI — makes every kept page stale at once. A page is never shared between sessions (it carries the user's name,
CSRF token and role-dependent forms). The same key gives the page's ETag, so a client that revalidates gets a 304
without the page being built at all.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from leakdesk.store.records import desk
from leakdesk.web.auth import Visitor, case_of

MAX_PAGES = 2000  # rendered pages kept in memory
MAX_BYTES = 200_000_000  # and their total size (the API's list of every letter is megabytes on a large case)
_SALT = secrets.token_bytes(16)  # ETags say nothing about sessions or marks to anyone outside this process


class PageCache:
    """A bounded LRU of rendered page bodies, safe to share between the server's threads."""

    def __init__(self, size: int = MAX_PAGES, max_bytes: int = MAX_BYTES) -> None:
        self.size, self.max_bytes = size, max_bytes
        self.bytes = 0
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: str, body: bytes, media_type: str) -> None:
        if len(body) > self.max_bytes // 10:
            return  # one answer this large would push out everything else
        with self._lock:
            old = self._pages.pop(key, None)
            self.bytes += len(body) - (len(old[0]) if old else 0)
            self._pages[key] = (body, media_type)
            while len(self._pages) > self.size or self.bytes > self.max_bytes:
                _, (dropped, _) = self._pages.popitem(last=False)
                self.bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.bytes = 0


def page_key(request: Request, who: Visitor, mark: int) -> str:
    """A digest of who asks (session or token, user, role), what (path and query) and the case's state."""
    holder = who.session or f"token:{who.user.id}"
    raw = "\x1f".join([holder, who.user.name, who.user.role, request.url.path, request.url.query, str(mark)])
    return hashlib.sha256(_SALT + raw.encode("utf-8")).hexdigest()


def cached(request: Request, who: Visitor, build: Callable[[], Response]) -> Response:
    """The page from the cache when the case has not changed since it was built; 304 when the client has it."""
    case = case_of(request)
    with case.connect() as conn:
        mark = desk.state_mark(conn)
    key = page_key(request, who, mark)
    etag = f'"{key[:32]}"'
    if etag in _client_tags(request):
        return Response(status_code=304, headers={"ETag": etag})
    store: PageCache = request.app.state.pages
    found = store.get(key)
    if found is not None:
        body, media_type = found
        return Response(body, media_type=media_type, headers={"ETag": etag})
    response = build()
    if response.status_code == 200 and response.body:
        store.put(key, bytes(response.body), response.media_type or "text/html")
        response.headers["ETag"] = etag
    return response


def cached_json(request: Request, who: Visitor, build: Callable[[], Any]) -> Response:
    """The same for an API answer: `build` returns what the route would return; it is kept serialised."""
    return cached(request, who, lambda: JSONResponse(jsonable_encoder(build())))


def _client_tags(request: Request) -> set[str]:
    header = request.headers.get("if-none-match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
