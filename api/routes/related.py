"""Related questions: to an article (`/v1/articles/{id}/related`) or to a question (`/v1/related?q=`).

Each seed has its own operation, so the schema says exactly what a request needs. The older form
`/v1/related?article_id=ID` still answers (as the article route does) but is left out of the schema: it is matched
only when the query names `article_id`, so it never shadows the documented `?q=` operation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams
from starlette.routing import Match
from starlette.types import Scope

from api.deps import AnswererDep
from api.responses import ModelResponse
from api.schemas import MAX_ARTICLE_ID_CHARS, MAX_QUESTION_CHARS, NOT_BLANK, RelatedOut, error_responses
from rag.answer import Answerer, UnknownArticle
from rag.related import MAX_RELATED, RelatedFinder

router = APIRouter(prefix="/v1", tags=["related"])

ArticleId = Annotated[str, Path(min_length=1, max_length=MAX_ARTICLE_ID_CHARS)]
K = Annotated[int, Query(ge=1, le=MAX_RELATED, description="At most this many items (the list may be shorter).")]
NO_REPRESENTATIONS = "the served index has no article representations: rebuild it (followup index build)"


def _finder(answerer: Answerer) -> RelatedFinder:
    if answerer.related is None:
        raise HTTPException(status_code=503, detail=NO_REPRESENTATIONS)
    return answerer.related


def _for_article(answerer: Answerer, article_id: str, k: int) -> ModelResponse:
    try:
        article = answerer.approved_article(article_id)
    except UnknownArticle:
        raise HTTPException(status_code=404, detail=f"no approved article with id {article_id!r}") from None
    return ModelResponse(RelatedOut(items=_finder(answerer).for_article(article, k)))


@router.get("/articles/{article_id}/related", response_model=RelatedOut, responses=error_responses(404, 422, 503))
def related_to_article(answerer: AnswererDep, article_id: ArticleId, k: K = 5) -> ModelResponse:
    """Approved articles related to an approved article (never itself), best first, never padded; nothing is
    embedded (the article's representation was built at index time)."""
    return _for_article(answerer, article_id, k)


@router.get("/related", response_model=RelatedOut, responses=error_responses(422, 503))
async def related_to_question(
    answerer: AnswererDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK)],
    k: K = 5,
) -> ModelResponse:
    """Approved articles related to a question, best first, never padded."""
    finder = _finder(answerer)
    # Embedding the question is CPU work: keep it off the event loop.
    return ModelResponse(RelatedOut(items=await run_in_threadpool(finder.for_text, q.strip(), k)))


class _NamesArticleId(APIRoute):
    """Matches only requests whose query has `article_id` (the older form of the article route)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.FULL and "article_id" not in QueryParams(scope.get("query_string", b"")):
            return Match.NONE, {}
        return match, child


legacy = APIRouter(prefix="/v1", route_class=_NamesArticleId, include_in_schema=False)


@legacy.get("/related", response_model=RelatedOut)
def related_by_query(
    answerer: AnswererDep,
    article_id: Annotated[str, Query(min_length=1, max_length=MAX_ARTICLE_ID_CHARS)],
    k: K = 5,
    q: Annotated[str | None, Query()] = None,
) -> ModelResponse:
    """`/v1/related?article_id=ID`: the same answer as `/v1/articles/{ID}/related`."""
    if q is not None:
        raise HTTPException(status_code=422, detail="give article_id or q, not both")
    return _for_article(answerer, article_id, k)
