"""Feedback on answers (api/feedback/): rate-limited per client, validated against the served index, stored apart
from review status."""

from __future__ import annotations

import logging
from typing import cast

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import AnswererDep, ServerSettingsDep
from api.feedback import Feedback, FeedbackStore, FeedbackUnavailable
from api.rate_limit import RateLimiter
from api.schemas import FeedbackIn, FeedbackOut, PassageFeedbackIn, error_responses
from api.settings import ServerSettings
from rag.answer import Answerer

router = APIRouter(prefix="/v1", tags=["feedback"])
log = logging.getLogger("followup.feedback")


@router.post(
    "/feedback", status_code=201, response_model=FeedbackOut, responses=error_responses(404, 413, 422, 429, 503)
)
async def feedback(body: FeedbackIn, request: Request, answerer: AnswererDep, server: ServerSettingsDep) -> FeedbackOut:
    """A passage helpful or not for a question, or none of the passages answering it. One vote per client,
    question and passage: a repeat replaces the earlier one. The question's text is stored only with
    FOLLOWUP_FEEDBACK_QUESTIONS=true (a keyed digest otherwise)."""
    client = client_of(request, server)
    # After validation (a malformed body costs nothing to refuse), before any lookup or write.
    wait = cast(RateLimiter, request.app.state.feedback_limiter).acquire(client)
    if wait is not None:
        raise HTTPException(
            status_code=429,
            detail=f"too much feedback from this client: at most {server.feedback_rate_limit} per "
            f"{server.feedback_rate_window_seconds} s; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    if body.article_id is not None and answerer.served_article(body.article_id) is None:
        # As /v1/ask: well formed, but not an article we may serve (now).
        raise HTTPException(status_code=404, detail=f"article_id {body.article_id!r} is not an approved article")
    chunk_id = body.chunk_id if isinstance(body, PassageFeedbackIn) else None
    if chunk_id is not None and not _is_passage(answerer, chunk_id):
        raise HTTPException(status_code=404, detail=f"chunk_id {chunk_id!r} is not a passage of the served index")
    store = cast(FeedbackStore, request.app.state.feedback)
    version = answerer.index.version
    item = Feedback(body.kind, body.question, body.article_id, tuple(body.history), chunk_id, version, client)
    try:
        stored = await run_in_threadpool(store.add, item, server.feedback_questions)
    except FeedbackUnavailable as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
    log.info("feedback", extra={"kind": body.kind.value, "question_stored": server.feedback_questions})
    return FeedbackOut(id=stored, question_stored=server.feedback_questions)


def client_of(request: Request, server: ServerSettings) -> str:
    """Who is giving feedback, for the rate limit and one vote each: the API key when one is configured (every
    request then carries it), else the connecting address."""
    if server.api_key is not None:
        return "key:" + request.headers.get("x-api-key", "")
    return "host:" + (request.client.host if request.client is not None else "unknown")


def _is_passage(answerer: Answerer, chunk_id: str) -> bool:
    """A passage of the served index (chunk ids begin with their article's id)."""
    chunks = answerer.index.chunks
    return any(chunks[row].chunk_id == chunk_id for row in answerer.servable.rows_of(chunk_id.split(":", 1)[0]))
