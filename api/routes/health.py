from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnswererDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(answerer: AnswererDep) -> Health:
    return Health(
        status="ok",
        index_version=answerer.index.version,
        articles=len(answerer.index.articles),
        chunks=len(answerer.index.chunks),
    )
