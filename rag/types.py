"""The answer object and the small types that travel between retrieval, fusion and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from corpus.model import ReviewStatus

CAVEAT = "Educational purpose only • Exercise caution as content is pending human review"
DEFAULT_TOP_K = 5


class Mode(StrEnum):
    HYBRID = "hybrid"
    BM25 = "bm25"
    DENSE = "dense"

    @classmethod
    def from_str(cls, value: str) -> Mode:
        try:
            return cls(value.strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown mode {value!r}: use one of {valid}") from None


@dataclass(frozen=True)
class Hit:
    """A chunk row and its score from one retriever (higher is better)."""

    row: int
    score: float


@dataclass(frozen=True)
class FusedHit:
    row: int
    fused: float
    bm25: float | None = None
    bm25_rank: int | None = None
    dense: float | None = None
    dense_rank: int | None = None


class Scores(BaseModel):
    bm25: float | None
    bm25_rank: int | None
    dense: float | None
    dense_rank: int | None
    fused: float


class Passage(BaseModel):
    rank: int
    score: float
    chunk_id: str
    article_id: str
    article_title: str
    section: list[str]
    text: str
    citations: list[int]
    review_status: ReviewStatus
    last_updated: dt.date
    url: str | None
    scores: Scores


class Answer(BaseModel):
    question: str
    answered: bool
    answerability: float = Field(
        ge=0,
        le=1,
        description="How likely an approved article answers the question (answered below the "
        "index's calibrated threshold is false).",
    )
    passages: list[Passage]
    unmentioned: list[str] = Field(
        default_factory=list,
        description="Medical words of the question (a drug, a disease) that no approved article mentions, nor any "
        "word the clinical vocabulary links them to, as the question writes them: what the passages cannot speak to.",
    )
    caveat: str = CAVEAT
    index_version: str
