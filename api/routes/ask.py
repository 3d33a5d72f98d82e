from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool

from api.deps import AnswererDep
from api.schemas import AskRequest
from rag.answer import UnknownArticle
from rag.types import Answer

router = APIRouter(prefix="/v1", tags=["ask"])


@router.post("/ask", response_model=Answer)
async def ask(body: AskRequest, answerer: AnswererDep) -> Answer:
    """Passages from approved articles that answer the question, with their citation numbers and the caveat."""
    try:
        # Embedding and search are CPU work: keep them off the event loop.
        return await run_in_threadpool(
            answerer.ask,
            body.question,
            article_id=body.article_id,
            history=body.history,
            top_k=body.top_k,
            mode=body.mode,
        )
    except UnknownArticle:
        raise HTTPException(
            status_code=422, detail=f"article_id {body.article_id!r} is not an approved article"
        ) from None
