from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import AnswererDep
from api.schemas import MAX_QUESTION_CHARS, RelatedOut, error_responses
from rag.answer import UnknownArticle
from rag.related import MAX_RELATED

router = APIRouter(prefix="/v1", tags=["related"])


@router.get("/related", response_model=RelatedOut, responses=error_responses(401, 404, 422, 503))
async def related(
    answerer: AnswererDep,
    article_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=MAX_QUESTION_CHARS)] = None,
    k: Annotated[int, Query(ge=1, le=MAX_RELATED)] = 5,
) -> RelatedOut:
    """Approved articles related to an article (`article_id`) or a question (`q`): best first, never padded."""
    if (article_id is None) == (q is None or not q.strip()):
        raise HTTPException(status_code=422, detail="give exactly one of article_id or q (non-blank)")
    article = None
    if article_id is not None:
        try:
            article = answerer.approved_article(article_id)
        except UnknownArticle:
            raise HTTPException(status_code=404, detail=f"no approved article with id {article_id!r}") from None
    finder = answerer.related
    if finder is None:
        raise HTTPException(
            status_code=503, detail="the served index has no article representations: rebuild it (followup index build)"
        )
    if article is not None:
        return RelatedOut(items=finder.for_article(article, k))
    assert q is not None
    # Embedding the question is CPU work: keep it off the event loop.
    return RelatedOut(items=await run_in_threadpool(finder.for_text, q.strip(), k))
