from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from api.deps import AnswererDep
from api.schemas import ArticleOut, error_responses
from rag.answer import UnknownArticle

router = APIRouter(prefix="/v1", tags=["articles"])


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=error_responses(404, 422))
def get_article(article_id: Annotated[str, Path(min_length=1, max_length=200)], answerer: AnswererDep) -> ArticleOut:
    """An approved article with its sections and references; anything else is 404."""
    try:
        article = answerer.approved_article(article_id)
    except UnknownArticle:
        raise HTTPException(status_code=404, detail=f"no approved article with id {article_id!r}") from None
    return ArticleOut(
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
