"""The desk's pages (paths are part of the contract): login, overview, letter, series, timeline, entities, audit,
search, downloads. Every route reads or writes through the record layer and the capabilities' own functions."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from leakdesk import narratives
from leakdesk.authorship import casework
from leakdesk.claims import corroboration
from leakdesk.claims.entities import add_alias
from leakdesk.claims.timeline import build_timeline
from leakdesk.errors import DeskError, DeskNotFound
from leakdesk.language import review as translation_review
from leakdesk.store.records import accounts
from leakdesk.store.records.common import no_such_dispatch
from leakdesk.web import letter as letter_view
from leakdesk.web import overview as overview_view
from leakdesk.web import search_view
from leakdesk.web.auth import (
    LOGIN_COOKIE,
    MAX_ID,
    SESSION_COOKIE,
    ClaimId,
    DispatchId,
    Forbidden,
    Position,
    Visitor,
    acting,
    case_of,
    reader,
    writer,
)
from leakdesk.web.cache import cached
from leakdesk.web.evidence_view import PLOTS, needs_evidence
from leakdesk.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, Depends(reader)]


def quote_next(path: str) -> str:
    return quote(path, safe="/")


def _safe_next(target: str | None) -> str:
    """Only a path inside the desk: never another site (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _back(path: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(path + (f"#{anchor}" if anchor else ""), 303)


# --------------------------------------------------------------------------- login


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    pre = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_csrf": accounts.csrf_token(pre), "next": _safe_next(next),
                                              "error": None})
    _cookie(request, response, LOGIN_COOKIE, pre, max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    pre = request.cookies.get(LOGIN_COOKIE)
    if not pre or not accounts.csrf_valid(pre, csrf):
        raise Forbidden("The login form has expired; reload the login page and try again.")
    case = case_of(request)
    try:
        user = accounts.authenticate(case, name.strip(), password, code or None)
    except DeskError as exc:
        return render(request, "login.html", {"login_csrf": csrf, "next": _safe_next(next), "error": str(exc)},
                      status=401)
    token = accounts.start_session(case, user)
    response = RedirectResponse(_safe_next(next), 303)
    _cookie(request, response, SESSION_COOKIE, token, max_age=accounts.SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=bool(request.app.state.secure_cookies))


@router.post("/logout")
def logout(request: Request, who: Annotated[Visitor, Depends(writer("read"))]) -> Response:
    if who.session:
        accounts.end_session(case_of(request), who.session)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --------------------------------------------------------------------------- overview and letter


@router.get("/")
async def overview(
    request: Request,
    who: Reader,
    series: str = "",
    status: str = "",
    translation: str = "",
    warnings: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
    sort: str = "number",
    desc: str = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    def build() -> Response:
        view = overview_view.build(case_of(request), series=series, status=status, translation=translation,
                                   warnings_only=bool(warnings), subject=q, sort=sort, descending=bool(desc),
                                   page=page)
        return render(request, "overview.html", {"view": view})

    return await cached(request, who, build)


def _dispatch_id(value: int) -> int:
    if value < 1:
        raise DeskNotFound(str(no_such_dispatch(value)))
    return value


@router.get("/dispatches/{dispatch_id}")
async def letter(request: Request, who: Reader, dispatch_id: DispatchId) -> Response:
    return await cached(request, who, lambda: render(request, "letter.html", {
        "view": letter_view.build(case_of(request), _dispatch_id(dispatch_id))}))


@router.get("/dispatches/{dispatch_id}/html")
def letter_html(request: Request, who: Reader, dispatch_id: DispatchId) -> Response:
    """The email's HTML part, sanitised to inert markup, for a sandboxed frame that may load nothing."""
    body = letter_view.sanitised_html(case_of(request), _dispatch_id(dispatch_id))
    response = Response(body, media_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@router.get("/dispatches/{dispatch_id}/original")
def letter_original(request: Request, who: Reader, dispatch_id: DispatchId) -> Response:
    """The bytes as received, verified against their sha256 on the way out, as a download (never rendered)."""
    data, filename = letter_view.original_bytes(case_of(request), _dispatch_id(dispatch_id))
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/dispatches/{dispatch_id}/segments/{position}")
def correct_segment(
    request: Request,
    dispatch_id: DispatchId,
    position: Position,
    translation_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    target: Annotated[str, Form(max_length=20000)],
    who: Annotated[Visitor, Depends(writer("translate"))],
) -> Response:
    letter_view.check_translation(case_of(request), dispatch_id, translation_id)
    translation_review.correct_segment(acting(request, who), translation_id, position, target)
    search_view.refresh(acting(request, who))
    return _back(f"/dispatches/{dispatch_id}", f"segment-{position}")


@router.post("/dispatches/{dispatch_id}/segments/{position}/comments")
def comment_segment(
    request: Request,
    dispatch_id: DispatchId,
    position: Position,
    translation_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    comment: Annotated[str, Form(max_length=5000)],
    who: Annotated[Visitor, Depends(writer("comment"))],
) -> Response:
    letter_view.check_translation(case_of(request), dispatch_id, translation_id)
    translation_review.comment_segment(acting(request, who), translation_id, position, comment)
    return _back(f"/dispatches/{dispatch_id}", f"segment-{position}")


@router.post("/dispatches/{dispatch_id}/translation/status")
def translation_status(
    request: Request,
    dispatch_id: DispatchId,
    translation_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    status: Annotated[str, Form(max_length=20)],
    who: Annotated[Visitor, Depends(writer("translate"))],
) -> Response:
    letter_view.check_translation(case_of(request), dispatch_id, translation_id)
    translation_review.set_status(acting(request, who), translation_id, status)
    return _back(f"/dispatches/{dispatch_id}", "translation")


@router.post("/dispatches/{dispatch_id}/reviews")
def expert_review(
    request: Request,
    dispatch_id: DispatchId,
    verdict: Annotated[str, Form(max_length=20)],
    confidence: Annotated[float, Form()],
    who: Annotated[Visitor, Depends(writer("review"))],
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    casework.review(acting(request, who), _dispatch_id(dispatch_id), verdict, confidence, who.user.name,
                    note.strip() or None)
    return _back(f"/dispatches/{dispatch_id}", "reviews")


@router.post("/claims/{claim_id}/status")
def claim_status(
    request: Request,
    claim_id: ClaimId,
    status: Annotated[str, Form(max_length=20)],
    who: Annotated[Visitor, Depends(writer("corroborate"))],
    evidence: Annotated[str, Form(max_length=2000)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    needs_evidence(status, evidence, "fill in “Evidence” with a web address or a dispatch number")
    result = corroboration.set_status(acting(request, who), claim_id, status, evidence.strip() or None,
                                      note.strip() or None, reviewer=who.user.name)
    return _back(f"/dispatches/{result['dispatch_id']}", f"claim-{claim_id}")


@router.post("/claims/{claim_id}/evidence")
def attach_stream_evidence(
    request: Request,
    claim_id: ClaimId,
    who: Annotated[Visitor, Depends(writer("corroborate"))],
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Keep the media streams' evidence beside the claim (audited); the claim's status is not touched."""
    attached = narratives.attach_evidence(acting(request, who), claim_id, note=note.strip() or None)
    return _back(f"/dispatches/{attached.evidence.dispatch_id}", f"claim-{claim_id}")


@router.get("/claims/{claim_id}/onset.svg")
def onset_plot(request: Request, who: Reader, claim_id: ClaimId) -> Response:
    """The weekly labelling rate of the claim's campaign, with its onset, claimed start and letter date (SVG)."""
    svg = PLOTS.get(case_of(request), claim_id)
    return Response(svg, media_type="image/svg+xml",
                    headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                        "frame-ancestors 'none'"})


# --------------------------------------------------------------------------- series, timeline, entities, audit


@router.get("/series/{name}")
async def series(request: Request, who: Reader, name: str) -> Response:
    return await cached(request, who, lambda: render(request, "series.html", {
        "view": overview_view.series(case_of(request), name)}))


@router.get("/timeline")
async def timeline(request: Request, who: Reader, series: str = "") -> Response:
    return await cached(request, who, lambda: render(request, "timeline.html", {
        "timeline": build_timeline(case_of(request), series or None), "series": series}))


@router.get("/entities")
async def entities(request: Request, who: Reader, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    return await cached(request, who, lambda: render(request, "entities.html", {
        "entities": overview_view.entities(case_of(request), q), "q": q}))


@router.post("/entities/aliases")
def entity_alias(
    request: Request,
    name: Annotated[str, Form(max_length=500)],
    alias: Annotated[str, Form(max_length=500)],
    who: Annotated[Visitor, Depends(writer("entities"))],
) -> Response:
    add_alias(acting(request, who), name.strip(), [alias.strip()])
    return _back("/entities")


@router.get("/audit")
async def audit(request: Request, who: Reader, actor: str = "", page: Annotated[int, Query(ge=1, le=100000)] = 1,
          full: str = "") -> Response:
    """The log, newest first. The chain is verified from the last verified entry on (only what was written since);
    `?full=1` walks the whole chain again, never from the page cache (as `leakdesk case fsck` does)."""
    def build() -> Response:
        view = overview_view.audit(case_of(request), actor or None, page, request.app.state.chain, bool(full))
        return render(request, "audit.html", {"view": view, "actor": actor, "page": page})

    if not full:
        return await cached(request, who, build)
    response = await run_in_threadpool(build)
    request.app.state.pages.clear()  # no kept page may show the chain as it was before this walk
    return response


# --------------------------------------------------------------------------- search and downloads


@router.get("/search")
async def search(
    request: Request,
    who: Reader,
    q: Annotated[str, Query(max_length=500)] = "",
    series: str = "",
    status: str = "",
    since: str = "",
    until: str = "",
    meaning: str = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    def build() -> Response:
        results = search_view.run(case_of(request), q, series=series, status=status, since=since, until=until,
                                  meaning=True if meaning else None, page=page)
        return render(request, "search.html", {"results": results, "q": q, "series": series, "status": status,
                                               "since": since, "until": until})

    return await cached(request, who, build)


@router.get("/downloads")
def downloads(request: Request, who: Reader) -> Response:
    case = case_of(request)
    report = case.reports / "report.html"
    exports = sorted(p.name for p in case.exports.iterdir() if p.is_file()) if case.exports.is_dir() else []
    return render(request, "downloads.html", {"report": report.is_file(), "exports": exports})


@router.get("/downloads/report")
def download_report(request: Request, who: Reader) -> Response:
    path = case_of(request).reports / "report.html"
    if not path.is_file():
        raise DeskNotFound("The case report has not been written yet; run `leakdesk case report CASE` first.")
    return FileResponse(path, media_type="text/html", filename="report.html",
                        headers={"Content-Security-Policy": "sandbox; default-src 'none'; img-src data:; "
                                                            "style-src 'unsafe-inline'"})


@router.get("/downloads/exports/{name}")
def download_export(request: Request, who: Reader, name: str) -> Response:
    folder = case_of(request).exports
    path = folder / name
    if "/" in name or name.startswith(".") or not path.is_file() or path.resolve().parent != folder.resolve():
        raise DeskNotFound(f"There is no export called {name!r} in this case.")
    return FileResponse(path, media_type="application/octet-stream", filename=Path(name).name)
