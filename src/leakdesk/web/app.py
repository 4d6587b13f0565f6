"""The desk's ASGI app: security headers, error pages, the login, the pages and the JSON API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leakdesk import __version__
from leakdesk.case import Case
from leakdesk.errors import DeskNotFound, LeakdeskError, NoSuchRecord
from leakdesk.store.records import desk
from leakdesk.web import api, pages
from leakdesk.web.auth import Forbidden, LoginRequired, SessionCache, Visitor, reader
from leakdesk.web.cache import PageCache
from leakdesk.web.render import render

STATIC = Path(__file__).parent / "static"
# No remote source anywhere; the letter's own HTML gets a stricter policy of its own (see pages.letter_html).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """CSP, no referrer, no sniffing, no framing, no caching of pages: a plain ASGI middleware (it only adds
    headers, so it costs far less per request than a `BaseHTTPMiddleware`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Content-Type-Options"] = "nosniff"
                headers.setdefault("X-Frame-Options", "DENY")
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At shutdown, the app lets go of what it holds of the case: the state mark's own SQLite connection, and the
    case itself when the app opened it (a `--workers` process)."""
    try:
        yield
    finally:
        app.state.marks.close()
        if app.state.owns_case:
            app.state.case.close()


def create_app(case: Case, secure_cookies: bool = False, owns_case: bool = False) -> FastAPI:
    """The web desk for one open case. `secure_cookies` adds the Secure flag (serve behind HTTPS); `owns_case`:
    the app closes the case at shutdown (otherwise whoever opened it does)."""
    app = FastAPI(
        title="leakdesk: the desk's API", version=__version__, openapi_url=None, docs_url=None, redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.case = case
    app.state.owns_case = owns_case
    app.state.secure_cookies = secure_cookies
    app.state.pages = PageCache()  # rendered pages per session, until the audit log moves on
    app.state.marks = desk.StateWatch(case.engine)  # the case's state mark, read on every request
    app.state.sessions = SessionCache()  # who each session is, until the mark moves or the session expires
    app.state.semantic = None  # the sentence encoder, loaded on the first cross-lingual search
    app.state.chain = desk.ChainWatch()  # the audit chain as last verified: the audit page checks only new entries

    app.add_middleware(SecurityHeaders)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request) or request.method != "GET":
            return JSONResponse({"error": "Log in first: this needs a desk session or an API token."}, 401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={pages.quote_next(target)}", 303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if wants_json(request):
            return JSONResponse({"error": exc.message}, 403)
        return render(request, "error.html", {"message": exc.message}, status=403)

    @app.exception_handler(LeakdeskError)
    async def leakdesk_error(request: Request, exc: LeakdeskError) -> Response:
        status = 404 if isinstance(exc, (DeskNotFound, NoSuchRecord)) else 400
        if wants_json(request):
            return JSONResponse({"error": str(exc)}, status)
        return render(request, "error.html", {"message": str(exc)}, status=status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
                             for e in exc.errors()[:5])
        message = f"The request is not valid ({problems})."
        if wants_json(request):
            return JSONResponse({"error": message}, 422)
        return render(request, "error.html", {"message": message}, status=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "There is no such page in the desk." if exc.status_code == 404 else str(exc.detail)
        if wants_json(request):
            return JSONResponse({"error": message}, exc.status_code)
        return render(request, "error.html", {"message": message}, status=exc.status_code)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi_schema(who: Annotated[Visitor, Depends(reader)]) -> JSONResponse:
        """The API's OpenAPI schema, for logged-in users and token holders like every other route."""
        return JSONResponse(app.openapi())

    return app
