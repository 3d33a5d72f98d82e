"""Request and response models of the HTTP API; strict, so a typo is a 422 and not a silent default."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from api.feedback import FeedbackKind
from corpus.model import Block, Reference, ReviewStatus, Section
from rag.related import RelatedQuestion
from rag.types import CAVEAT, DEFAULT_TOP_K, Mode

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_ITEMS = 10
MAX_ARTICLE_ID_CHARS = 200
# Some character that is not white space (exactly what `str.strip` removes), as the schema's `pattern`: a blank
# question is invalid by the schema, not only by the server.
NOT_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def _encodable(value: str) -> str:
    # JSON can carry a lone surrogate (`"\\ud800"`) that no UTF-8 text holds; the tokenizer and the response cannot.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be Unicode text (it holds a lone surrogate)") from None
    return value


Text = Annotated[str, AfterValidator(_encodable)]
"""A string every layer can encode. Control characters and NUL are text too: a question of them is answered."""


class AskedQuestion(BaseModel):
    """A question as the page asks it: its text, the open article and the earlier turns."""

    model_config = ConfigDict(extra="forbid")

    question: Text = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK)
    article_id: Text | None = Field(default=None, min_length=1, max_length=MAX_ARTICLE_ID_CHARS)
    history: list[Text] = Field(default_factory=list, max_length=MAX_HISTORY_ITEMS)

    @field_validator("question")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("history")
    @classmethod
    def _history_items_bounded(cls, value: list[str]) -> list[str]:
        for item in value:
            if len(item) > MAX_QUESTION_CHARS:
                raise ValueError(f"each history item must be at most {MAX_QUESTION_CHARS} characters")
        return value


class AskRequest(AskedQuestion):
    top_k: int = Field(default=DEFAULT_TOP_K, ge=1, le=50)
    mode: Mode = Mode.HYBRID


class PassageFeedbackIn(AskedQuestion):
    """One passage helpful or not for the question it was shown for."""

    kind: Literal[FeedbackKind.HELPFUL, FeedbackKind.NOT_HELPFUL]
    chunk_id: Text = Field(min_length=1, max_length=MAX_ARTICLE_ID_CHARS, description="The passage (its chunk_id).")


class QuestionFeedbackIn(AskedQuestion):
    """None of the passages shown answers the question."""

    kind: Literal[FeedbackKind.NONE_ANSWER]


# Which fields a feedback has depends on its kind, in the schema too (a client can tell a valid body from the schema).
FeedbackIn = Annotated[PassageFeedbackIn | QuestionFeedbackIn, Field(discriminator="kind")]


class FeedbackOut(BaseModel):
    id: int
    question_stored: bool = Field(description="Whether the question's text was stored (FOLLOWUP_FEEDBACK_QUESTIONS).")


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


ANSWERED_BY = "The process that answered; under `followup serve --workers N`, which worker (each loads its own index)."


class Health(BaseModel):
    status: str
    index_version: str | None
    articles: int = Field(description="Servable (effectively approved) articles: what the API may serve now.")
    articles_indexed: int = Field(description="Articles of the served generation, whatever their review status.")
    chunks: int
    abstaining: bool = Field(
        description="Whether questions no approved article answers are declined: false when abstention is off, or "
        "when the served generation has no answerability model (its corpus gave too few examples to train one)."
    )
    pid: int = Field(description=ANSWERED_BY)


class Readiness(BaseModel):
    ready: bool
    reason: str | None
    index_version: str | None
    pid: int = Field(description=ANSWERED_BY)


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
    reason: Text = Field(
        min_length=1, max_length=MAX_REASON_CHARS, pattern=NOT_BLANK, description="Why (kept in the audit trail)."
    )

    @field_validator("reason")
    @classmethod
    def _stripped(cls, value: str) -> str:
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
    """One problem found in a request: where, what, and its type; never the value sent (see api/errors.py)."""

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
        429: "Too many requests from this client (FOLLOWUP_FEEDBACK_RATE_LIMIT per FOLLOWUP_FEEDBACK_RATE_WINDOW_"
        "SECONDS); retry after the Retry-After header's seconds.",
        503: "No usable index is loaded (see /readyz), or it lacks what this route needs: rebuild it; on admin "
        "routes also: the review-status database (FOLLOWUP_OVERRIDES_URL) cannot be reached; on feedback: the "
        "feedback store cannot be written.",
    }
    return {status: {"model": ErrorOut, "description": described[status]} for status in statuses}


class RelatedOut(BaseModel):
    items: list[RelatedQuestion]


class FleetMemberOut(BaseModel):
    replica: str
    pid: int = Field(description="The worker: one row per serving process.")
    address: str
    generation: str | None
    switched_at: dt.datetime | None
    canary: bool = Field(description="Trying an undecided publication now.")
    last_seen: dt.datetime
    stale: bool = Field(description="Not checked in within FOLLOWUP_STALE_SECONDS.")


class PublicationOut(BaseModel):
    id: int
    generation: str
    source: str
    canaries: list[str]
    state: str = Field(description="canary (being tried), released (the fleet serves it) or failed.")
    reason: str
    probe: dict[str, Any] = Field(description="The canary's probe figures, for the new generation and the old one.")
    who: str
    published_at: dt.datetime
    decided_at: dt.datetime | None


class FleetOut(BaseModel):
    members: list[FleetMemberOut]
    publication: PublicationOut | None = Field(description="The latest publication.")
    released: str | None = Field(description="The generation the fleet should serve: the latest released one.")
    stale_seconds: float
