"""The answer object and the small types that travel between retrieval, fusion and the API."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import NamedTuple

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


class Hit(NamedTuple):
    """A chunk row and its score from one retriever (higher is better). Named tuples, not frozen dataclasses: a
    question makes ~1,000 of these, and a frozen dataclass sets each field through object.__setattr__."""

    row: int
    score: float


class FusedHit(NamedTuple):
    row: int
    fused: float
    bm25: float | None = None
    bm25_rank: int | None = None
    dense: float | None = None
    dense_rank: int | None = None
    reader: float | None = None  # the reader's probability that the passage answers the question (rag/reader/)


class Scores(BaseModel):
    bm25: float | None
    bm25_rank: int | None
    dense: float | None
    dense_rank: int | None
    fused: float
    reader: float | None = Field(
        default=None,
        description="The reader's probability (0-1) that the passage answers the question; null for passages it did "
        "not read (beyond its top N, or FOLLOWUP_READER=false). The passages it read come first, in its order.",
    )


class Outcome(StrEnum):
    """What a question gets: passages that answer it, the nearest passages marked as possibly not answering it, or
    none, with the reason."""

    ANSWERED = "answered"
    UNCERTAIN = "uncertain"
    DECLINED = "declined"


class CitedReference(BaseModel):
    """A reference a passage cites, as its article lists it, so a claim can be checked without leaving the answer."""

    number: int
    text: str
    url: str | None = Field(description="The first web address in the reference text, if it holds one.")


class Passage(BaseModel):
    rank: int
    score: float
    chunk_id: str
    article_id: str
    article_title: str
    section: list[str]
    text: str
    citations: list[int]
    references: list[CitedReference] = Field(
        default_factory=list,
        description="The article's reference for each citation number the passage carries, in citation order.",
    )
    review_status: ReviewStatus
    last_updated: dt.date
    url: str | None
    scores: Scores


class Answer(BaseModel):
    question: str
    answered: bool = Field(description="Whether the outcome is `answered` (kept for clients written before `outcome`).")
    outcome: Outcome = Field(
        description="`answered`: the passages answer the question. `uncertain`: the nearest passages, which may not "
        "answer it (the answerability is between the index's floor and its threshold, or the question names "
        "something no approved article mentions). `declined`: no passages; `reason` says why."
    )
    reason: str | None = Field(
        default=None, description="Why the outcome is `uncertain` or `declined`, in a sentence a clinician can read."
    )
    answerability: float = Field(
        ge=0,
        le=1,
        description="How likely an approved article answers the question (answered below the "
        "index's calibrated threshold is false).",
    )
    passages: list[Passage]
    unmentioned: list[str] = Field(
        default_factory=list,
        description="Drug and disease names of the question (of one word or several) that no approved article "
        "mentions, nor any word the clinical vocabulary links them to, as the question writes them: what the passages "
        "cannot speak to.",
    )
    caveat: str = CAVEAT
    index_version: str
