"""Request and response models of the HTTP API; strict, so a typo is a 422 and not a silent default."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from corpus.model import Block, Reference, ReviewStatus, Section
from rag.related import RelatedQuestion
from rag.types import CAVEAT, DEFAULT_TOP_K, Mode

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_ITEMS = 10


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    article_id: str | None = Field(default=None, min_length=1, max_length=200)
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY_ITEMS)
    top_k: int = Field(default=DEFAULT_TOP_K, ge=1, le=50)
    mode: Mode = Mode.HYBRID

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question must contain some text")
        return value.strip()

    @field_validator("history")
    @classmethod
    def _history_items_bounded(cls, value: list[str]) -> list[str]:
        for item in value:
            if len(item) > MAX_QUESTION_CHARS:
                raise ValueError(f"each history item must be at most {MAX_QUESTION_CHARS} characters")
        return value


class ArticleOut(BaseModel):
    id: str
    question: str
    review_status: ReviewStatus
    last_updated: dt.date
    url: str | None
    answer_heading: str | None
    answer: list[Block]
    sections: list[Section]
    references: list[Reference]
    related: list[str]
    caveat: str = CAVEAT


class ArticleSummary(BaseModel):
    id: str
    question: str
    last_updated: dt.date


class Health(BaseModel):
    status: str
    index_version: str
    articles: int
    chunks: int


class RelatedOut(BaseModel):
    items: list[RelatedQuestion]
