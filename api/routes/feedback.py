"""Feedback on answers (api/feedback.py): stored where review status is, writing nothing else."""

from __future__ import annotations

import logging
from typing import cast

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import AnswererDep, ServerSettingsDep
from api.feedback import Feedback, FeedbackStore
from api.schemas import FeedbackIn, FeedbackOut, PassageFeedbackIn, error_responses
from rag.answer import Answerer

router = APIRouter(prefix="/v1", tags=["feedback"])
log = logging.getLogger("followup.feedback")


@router.post("/feedback", status_code=201, response_model=FeedbackOut, responses=error_responses(404, 413, 422, 503))
async def feedback(body: FeedbackIn, request: Request, answerer: AnswererDep, server: ServerSettingsDep) -> FeedbackOut:
    """A passage helpful or not for a question, or none of the passages answering it. The question's text is
    stored only with FOLLOWUP_FEEDBACK_QUESTIONS=true (a digest otherwise)."""
    chunk_id = body.chunk_id if isinstance(body, PassageFeedbackIn) else None
    if chunk_id is not None and not _is_passage(answerer, chunk_id):
        raise HTTPException(status_code=404, detail=f"chunk_id {chunk_id!r} is not a passage of the served index")
    store = cast(FeedbackStore, request.app.state.feedback)
    version = answerer.index.version
    item = Feedback(body.kind, body.question, body.article_id, tuple(body.history), chunk_id, version)
    stored = await run_in_threadpool(store.add, item, server.feedback_questions)
    log.info("feedback", extra={"kind": body.kind.value, "question_stored": server.feedback_questions})
    return FeedbackOut(id=stored, question_stored=server.feedback_questions)


def _is_passage(answerer: Answerer, chunk_id: str) -> bool:
    """A passage of the served index (chunk ids begin with their article's id)."""
    chunks = answerer.index.chunks
    return any(chunks[row].chunk_id == chunk_id for row in answerer.servable.rows_of(chunk_id.split(":", 1)[0]))
