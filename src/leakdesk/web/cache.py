"""Rendered pages kept until the case changes, per session: the desk's answer to many readers of one case.

Every change of state writes an audit entry, so the newest audit entry's number (`desk.state_mark`) says when a
page may be stale: a page is kept under (session, role, address, mark) and the next edit — from the desk or the
CLI — makes every kept page stale at once. A page is never shared between sessions (it carries the user's name,
CSRF token and role-dependent forms). The same key gives the page's ETag, so a client that revalidates gets a 304
without the page being built at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from leakdesk.web.auth import Visitor, state_mark

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
        self._building: dict[str, asyncio.Future[tuple[bytes, str] | Response]] = {}  # pages being built now

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

    async def build_once(self, key: str, build: Callable[[], Response]) -> tuple[bytes, str] | Response:
        """Build the page under `key` in a worker thread and keep it; a request that finds the same build under
        way (in this event loop) waits for it. Returns the kept body and media type, or the response itself when
        it is not one to keep (not a 200 with a body)."""
        loop = asyncio.get_running_loop()
        pending = self._building.get(key)
        if pending is not None and pending.get_loop() is loop:
            try:
                return await asyncio.shield(pending)
            except (Exception, asyncio.CancelledError):
                if not pending.done():
                    raise  # this request itself was cancelled
                # the shared build failed: build this one alone, so that it gets its own error page
            return self._keep(key, await run_in_threadpool(build))
        future: asyncio.Future[tuple[bytes, str] | Response] = loop.create_future()
        self._building[key] = future
        try:
            result = self._keep(key, await run_in_threadpool(build))
            future.set_result(result)
            return result
        except BaseException:
            future.cancel()  # whoever waits builds for themselves
            raise
        finally:
            if self._building.get(key) is future:
                del self._building[key]

    def _keep(self, key: str, response: Response) -> tuple[bytes, str] | Response:
        if response.status_code == 200 and response.body:
            found = (bytes(response.body), response.media_type or "text/html")
            self.put(key, *found)
            return found
        return response


def page_key(request: Request, who: Visitor, mark: int) -> str:
    """A digest of who asks (session or token, user, role), what (path and query) and the case's state."""
    holder = who.session or f"token:{who.user.id}"
    raw = "\x1f".join([holder, who.user.name, who.user.role, request.url.path, request.url.query, str(mark)])
    return hashlib.sha256(_SALT + raw.encode("utf-8")).hexdigest()


async def cached(request: Request, who: Visitor, build: Callable[[], Response]) -> Response:
    """The page from the cache when the case has not changed since it was built; 304 when the client has it.

    A hit is answered on the event loop (no worker thread); a miss builds the page in a worker thread, once:
    requests for the same page that arrive while it is being built wait for that build instead of each making
    their own (fifty readers opening a page after an edit cost one build, not fifty)."""
    key = page_key(request, who, state_mark(request))
    etag = f'"{key[:32]}"'
    if etag in _client_tags(request):
        return Response(status_code=304, headers={"ETag": etag})
    store: PageCache = request.app.state.pages
    found: tuple[bytes, str] | Response | None = store.get(key)
    if found is None:
        found = await store.build_once(key, build)
    if isinstance(found, Response):
        return found  # not a page to keep (an error page, an empty answer)
    body, media_type = found
    return Response(body, media_type=media_type, headers={"ETag": etag})


async def cached_json(request: Request, who: Visitor, build: Callable[[], Any]) -> Response:
    """The same for an API answer: `build` returns what the route would return; it is kept serialised."""
    return await cached(request, who, lambda: JSONResponse(jsonable_encoder(build())))


def _client_tags(request: Request) -> set[str]:
    header = request.headers.get("if-none-match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
