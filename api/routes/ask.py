from __future__ import annotations

import logging
import time

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool

from api.deps import AnswererDep, ServerSettingsDep
from api.responses import ModelResponse
from api.schemas import AskRequest, error_responses
from rag.answer import UnknownArticle
from rag.types import Answer

router = APIRouter(prefix="/v1", tags=["ask"])
log = logging.getLogger("followup.ask")


@router.post("/ask", response_model=Answer, responses=error_responses(404, 413, 422, 503))
async def ask(body: AskRequest, answerer: AnswererDep, server: ServerSettingsDep) -> ModelResponse:
    """Passages from approved articles that answer the question, with their citation numbers and the caveat."""
    started = time.perf_counter()
    try:
        # Embedding and search are CPU work: keep them off the event loop.
        answer = await run_in_threadpool(
            answerer.ask,
            body.question,
            article_id=body.article_id,
            history=body.history,
            top_k=body.top_k,
            mode=body.mode,
        )
    except UnknownArticle:
        # 404 and not 422: the request is well formed; the article it refers to is not one we may serve (now).
        raise HTTPException(
            status_code=404, detail=f"article_id {body.article_id!r} is not an approved article"
        ) from None
    # Questions may hold patient details: their text is logged only when FOLLOWUP_LOG_QUESTIONS is set.
    fields: dict[str, object] = {
        "mode": body.mode.value,
        "top_k": body.top_k,
        "question_chars": len(body.question),
        "context": bool(body.article_id or body.history),
        "answered": answer.answered,
        "outcome": answer.outcome.value,
        "answerability": answer.answerability,
        "passages": len(answer.passages),
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    if server.log_questions:
        fields["question"] = body.question
    log.info("ask", extra=fields)
    return ModelResponse(answer)
