"""Admin endpoints (bearer token): reload the index, change an article's review status without a rebuild."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import AnswererDep, StateDep
from api.schemas import (
    MAX_ARTICLE_ID_CHARS,
    AuditOut,
    ReloadError,
    ReloadOut,
    StatusChange,
    StatusOut,
    error_responses,
)
from api.security import AdminDep
from api.workers import reload_siblings
from index.store import IndexUnavailable

log = logging.getLogger("followup.api")
router = APIRouter(prefix="/v1/admin", tags=["admin"])
ArticleId = Annotated[str, Path(min_length=1, max_length=MAX_ARTICLE_ID_CHARS)]
RELOAD_REFUSED = "The generation CURRENT names failed verification; the one named in `serving` is still served."


@router.post(
    "/reload",
    response_model=ReloadOut,
    responses={**error_responses(401), 409: {"model": ReloadError, "description": RELOAD_REFUSED}},
)
async def reload(_: AdminDep, state: StateDep) -> ReloadOut | JSONResponse:
    """Serve the generation `CURRENT` names. If it fails verification the served one stays: 409 naming the file.
    Under `followup serve --workers N` the other workers start reloading within a second, alongside this one (each
    verifies the generation itself); the answer is this worker's."""
    reload_siblings()
    try:
        result = await run_in_threadpool(state.reload)
    except IndexUnavailable as exc:
        served = state.answerer.index.version if state.answerer is not None else None
        return JSONResponse(status_code=409, content=ReloadError(detail=str(exc), serving=served).model_dump())
    return ReloadOut(generation=result.generation, previous=result.previous)


@router.post(
    "/articles/{article_id}/status", response_model=StatusOut, responses=error_responses(401, 404, 413, 422, 503)
)
def set_status(
    who: AdminDep, article_id: ArticleId, body: StatusChange, state: StateDep, answerer: AnswererDep
) -> StatusOut:
    """Override an article's status now (durably, audited); it wins until a build includes the change."""
    old = answerer.servable.status(article_id)
    if old is None:
        raise HTTPException(status_code=404, detail=f"no article with id {article_id!r} in the served index")
    state.overrides.set_status(
        article_id, body.status, who=who, reason=body.reason, old_status=old, generation=answerer.index.version
    )
    return _status(article_id, state, answerer)


@router.get("/articles/{article_id}/status", response_model=StatusOut, responses=error_responses(401, 404, 422, 503))
def get_status(_: AdminDep, article_id: ArticleId, state: StateDep, answerer: AnswererDep) -> StatusOut:
    """The effective and corpus status of an article, with its audit trail."""
    if answerer.servable.status(article_id) is None:
        raise HTTPException(status_code=404, detail=f"no article with id {article_id!r} in the served index")
    return _status(article_id, state, answerer)


async def status_store_down(request: Request, exc: Exception) -> JSONResponse:
    """503 when the review-status database (PostgreSQL) cannot be reached: nothing changed, retry once it is back;
    serving goes on from the statuses last seen."""
    log.error("%s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(status_code=503, content={"detail": str(exc)})


def _status(article_id: str, state: StateDep, answerer: AnswererDep) -> StatusOut:
    effective = answerer.servable.status(article_id)
    assert effective is not None
    return StatusOut(
        article_id=article_id,
        status=effective,
        corpus_status=answerer.index.articles[article_id].status,
        served=answerer.is_servable(article_id),
        generation=answerer.index.version,
        audit=[AuditOut.model_validate(e, from_attributes=True) for e in state.overrides.audit(article_id)],
    )
