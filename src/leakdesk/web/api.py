"""The JSON API under /api/: the same records as the pages, for scripts (API token) and the desk's own pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from leakdesk.authorship import casework
from leakdesk.claims import corroboration
from leakdesk.errors import DeskNotFound
from leakdesk.language import review as translation_review
from leakdesk.web import letter as letter_view
from leakdesk.web import overview as overview_view
from leakdesk.web import search_view
from leakdesk.web.auth import MAX_ID, ClaimId, DispatchId, Position, Visitor, acting, case_of, reader, writer
from leakdesk.web.cache import cached_json
from leakdesk.web.evidence_view import needs_evidence

router = APIRouter(prefix="/api", tags=["desk"])
Reader = Annotated[Visitor, Depends(reader)]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request was refused; `error` says why in one sentence."},
    401: {"description": "No session or API token."},
    403: {"description": "Missing CSRF token, or the user's role does not allow this."},
    404: {"description": "No such letter, claim or translation."},
}


class Me(BaseModel):
    name: str
    role: str


class Correction(BaseModel):
    translation_id: int = Field(ge=1, le=MAX_ID)
    target: str = Field(min_length=1, max_length=20000)


class Comment(BaseModel):
    translation_id: int = Field(ge=1, le=MAX_ID)
    comment: str = Field(min_length=1, max_length=5000)


class Review(BaseModel):
    verdict: str = Field(description="genuine | doubtful | fake", max_length=20)
    confidence: float = Field(ge=0, le=1)
    note: str | None = Field(default=None, max_length=5000)


class ClaimStatus(BaseModel):
    status: str = Field(description="unverified | corroborated | contradicted | retracted", max_length=20)
    evidence: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=5000)


def _positive(value: int, what: str = "dispatch") -> int:
    if value < 1:
        raise DeskNotFound(f"There is no {what} {value} in this case.")
    return value


@router.get("/me", response_model=Me, responses=ERRORS)
async def me(who: Reader) -> Me:
    return Me(name=who.user.name, role=who.user.role)


@router.get("/dispatches", responses=ERRORS)
async def dispatches(request: Request, who: Reader, series: Annotated[str, Query(max_length=200)] = "",
               status: Annotated[str, Query(max_length=20)] = "") -> list[dict[str, Any]]:
    return await cached_json(request, who, lambda: [  # type: ignore[return-value]
        x.as_json() for x in overview_view.build(case_of(request), series=series, status=status,
                                                 per_page=None).lines])


@router.get("/dispatches/{dispatch_id}", responses=ERRORS)
async def dispatch(request: Request, who: Reader, dispatch_id: DispatchId) -> dict[str, Any]:
    return await cached_json(request, who,  # type: ignore[return-value]
                       lambda: letter_view.build(case_of(request), _positive(dispatch_id)).as_json())


@router.post("/dispatches/{dispatch_id}/segments/{position}", responses=ERRORS)
def correct(request: Request, dispatch_id: DispatchId, position: Position, body: Correction,
            who: Annotated[Visitor, Depends(writer("translate"))]) -> dict[str, Any]:
    letter_view.check_translation(case_of(request), _positive(dispatch_id), body.translation_id)
    version = translation_review.correct_segment(acting(request, who), body.translation_id, position, body.target)
    search_view.refresh(acting(request, who))
    return {"translation_id": body.translation_id, "segment": position, "version": version}


@router.post("/dispatches/{dispatch_id}/segments/{position}/comments", responses=ERRORS)
def comment(request: Request, dispatch_id: DispatchId, position: Position, body: Comment,
            who: Annotated[Visitor, Depends(writer("comment"))]) -> dict[str, Any]:
    letter_view.check_translation(case_of(request), _positive(dispatch_id), body.translation_id)
    comment_id = translation_review.comment_segment(acting(request, who), body.translation_id, position,
                                                    body.comment)
    return {"comment_id": comment_id}


@router.post("/dispatches/{dispatch_id}/reviews", responses=ERRORS)
def review(request: Request, dispatch_id: DispatchId, body: Review,
           who: Annotated[Visitor, Depends(writer("review"))]) -> dict[str, Any]:
    result = casework.review(acting(request, who), _positive(dispatch_id), body.verdict, body.confidence,
                             who.user.name, body.note)
    return {k: result[k] for k in ("id", "dispatch_id", "verdict", "confidence", "reviewer")}


@router.post("/claims/{claim_id}/status", responses=ERRORS)
def claim_status(request: Request, claim_id: ClaimId, body: ClaimStatus,
                 who: Annotated[Visitor, Depends(writer("corroborate"))]) -> dict[str, Any]:
    needs_evidence(body.status, body.evidence, "send `evidence`, a web address or a dispatch number")
    result = corroboration.set_status(acting(request, who), _positive(claim_id, "claim"), body.status,
                                      body.evidence, body.note, reviewer=who.user.name)
    return {k: result[k] for k in ("claim_id", "dispatch_id", "previous_status", "status", "evidence", "reviewer")}


@router.get("/search", responses=ERRORS)
async def search(request: Request, who: Reader, q: Annotated[str, Query(max_length=500)] = "",
           series: Annotated[str, Query(max_length=200)] = "", meaning: bool = True,
           page: Annotated[int, Query(ge=1, le=1000)] = 1) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        results = search_view.run(case_of(request), q, series=series, meaning=meaning, page=page)
        return {"query": q, "words_total": results.words_total, "page": results.page, "pages": results.pages,
                "words": [r.as_json() for r in results.words], "meaning": [r.as_json() for r in results.meaning]}

    return await cached_json(request, who, build)  # type: ignore[return-value]


@router.get("/audit", responses=ERRORS)
def audit(request: Request, who: Reader, actor: Annotated[str, Query(max_length=200)] = "",
          page: Annotated[int, Query(ge=1, le=100000)] = 1) -> dict[str, Any]:
    view = overview_view.audit(case_of(request), actor or None, page)
    return {"total": view.total, "chain_ok": not view.broken, "broken": view.broken,
            "entries": [{k: e[k] for k in ("seq", "time", "actor", "action", "object", "details")}
                        for e in view.entries]}
