"""Request and response models of the HTTP API; strict, so a typo is a 422 and not a silent default."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    index_version: str | None
    articles: int
    chunks: int


class Readiness(BaseModel):
    ready: bool
    reason: str | None
    index_version: str | None


class ReloadOut(BaseModel):
    generation: str
    previous: str | None


class ReloadError(BaseModel):
    detail: str
    serving: str | None


MAX_REASON_CHARS = 500


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ReviewStatus
    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS, description="Why (kept in the audit trail).")

    @field_validator("reason")
    @classmethod
    def _reason_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("reason must contain some text")
        return value.strip()


class AuditOut(BaseModel):
    at: dt.datetime
    who: str
    reason: str
    old_status: ReviewStatus | None
    new_status: ReviewStatus
    generation: str | None


class StatusOut(BaseModel):
    article_id: str
    status: ReviewStatus
    corpus_status: ReviewStatus
    served: bool
    generation: str
    audit: list[AuditOut]


class ValidationIssue(BaseModel):
    """One problem FastAPI found in a request (location, message, error type)."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error response: `detail` is a sentence, or the list of validation problems for a malformed request."""

    detail: str | list[ValidationIssue]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route, so the OpenAPI schema documents each error it can return."""
    described = {
        401: "Missing or wrong credentials.",
        404: "Not found (or not an approved article).",
        413: "Request body too large (FOLLOWUP_MAX_BODY_BYTES).",
        422: "Invalid input: unknown fields, out-of-range values or malformed JSON.",
        503: "No usable index is loaded (see /readyz), or it lacks what this route needs: rebuild it; on admin "
        "routes also: the review-status database (FOLLOWUP_OVERRIDES_URL) cannot be reached.",
    }
    return {status: {"model": ErrorOut, "description": described[status]} for status in statuses}


class RelatedOut(BaseModel):
    items: list[RelatedQuestion]
