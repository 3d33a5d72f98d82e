"""The domain model shared by every layer: articles, their sections, claims and references."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ReviewStatus(StrEnum):
    """Where an article stands in editorial review; only approved articles are ever served."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    RETRACTED = "retracted"  # withdrawn after approval; never served


class Block(BaseModel):
    """A paragraph or a bullet claim, with the citation numbers that close it."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["paragraph", "bullet"]
    text: str
    citations: tuple[int, ...] = ()


class Section(BaseModel):
    """A headed part of an article; `level` is the Markdown heading depth (2 for `##`)."""

    model_config = ConfigDict(frozen=True)

    title: str
    level: int = Field(ge=2, le=6)
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()


class Reference(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    text: str


class Article(BaseModel):
    """One clinical question with its short answer and cited claims."""

    model_config = ConfigDict(frozen=True)

    id: str
    question: str
    status: ReviewStatus
    last_updated: dt.date
    url: str | None = None
    references: tuple[Reference, ...] = ()
    related: tuple[str, ...] = ()
    answer_heading: str | None = None
    answer: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()
    metadata: dict[str, str | list[str] | None] = Field(default_factory=dict)

    @property
    def is_approved(self) -> bool:
        return self.status is ReviewStatus.APPROVED

    def cited_numbers(self) -> set[int]:
        numbers = {n for block in self.answer for n in block.citations}
        for section in self.walk_sections():
            numbers.update(n for block in section.blocks for n in block.citations)
        return numbers

    def walk_sections(self) -> list[Section]:
        """Every section in document order, sub-sections after their parent."""
        ordered: list[Section] = []

        def visit(sections: tuple[Section, ...]) -> None:
            for section in sections:
                ordered.append(section)
                visit(section.subsections)

        visit(self.sections)
        return ordered
