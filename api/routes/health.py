"""Liveness (`/healthz`: the process answers, with or without an index) and readiness (`/readyz`)."""

from __future__ import annotations

import os

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import StateDep
from api.metrics import index_facts
from api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(state: StateDep) -> Health:
    answerer = state.answerer
    if answerer is None:
        return Health(
            status="ok", index_version=None, articles=0, articles_indexed=0, chunks=0, abstaining=False, pid=os.getpid()
        )
    facts = index_facts(answerer)
    return Health(
        status="ok",
        index_version=facts.generation,
        articles=facts.servable_articles,
        articles_indexed=facts.articles,
        chunks=facts.chunks,
        abstaining=facts.abstaining,
        pid=os.getpid(),
    )


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(state: StateDep) -> Readiness | JSONResponse:
    """200 once an index is loaded; 503 with the reason (e.g. no index built yet) until then."""
    answerer = state.answerer
    if answerer is None:
        body = Readiness(ready=False, reason=state.not_ready_reason, index_version=None, pid=os.getpid())
        return JSONResponse(status_code=503, content=body.model_dump())
    return Readiness(ready=True, reason=None, index_version=answerer.index.version, pid=os.getpid())
