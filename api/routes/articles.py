from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from api.deps import AnswererDep
from api.responses import ModelResponse
from api.schemas import MAX_ARTICLE_ID_CHARS, ArticleOut, ArticleSummary, error_responses
from rag.answer import UnknownArticle

router = APIRouter(prefix="/v1", tags=["articles"])


@router.get("/articles", response_model=list[ArticleSummary], responses=error_responses(503))
def list_articles(answerer: AnswererDep) -> list[ArticleSummary]:
    """Every servable (effectively approved) article of the served index, by question."""
    served = (answerer.served_article(article_id) for article_id in answerer.index.articles)
    return sorted(
        (ArticleSummary(id=a.id, question=a.question, last_updated=a.last_updated) for a in served if a is not None),
        key=lambda summary: summary.question.lower(),
    )


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=error_responses(404, 422, 503))
async def get_article(
    article_id: Annotated[str, Path(min_length=1, max_length=MAX_ARTICLE_ID_CHARS)], answerer: AnswererDep
) -> ModelResponse:
    """An approved article with its sections and references; anything else is 404."""
    try:
        article = answerer.approved_article(article_id)
    except UnknownArticle:
        raise HTTPException(status_code=404, detail=f"no approved article with id {article_id!r}") from None
    return ModelResponse(
        ArticleOut(
            id=article.id,
            question=article.question,
            review_status=article.status,
            last_updated=article.last_updated,
            url=article.url,
            answer_heading=article.answer_heading,
            answer=list(article.answer),
            sections=list(article.sections),
            references=list(article.references),
            related=list(article.related),
        )
    )
