"""Import a page as exported from the site (plain text) into an `Article`.

The export has no markup: headings, lead-ins, bullets (`•`) and paragraphs are told apart by their shape,
citation numbers trail their claim ("… 26%) 2", "… before initiation 6, 7"), and the page boilerplate
(advisory-board banner, "Personalize", disclaimer, follow-up prompt) is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from corpus.errors import CorpusError
from corpus.ids import question_id
from corpus.model import Article, Block, Reference, ReviewStatus
from corpus.outline import Outline

PLACEHOLDER_REFERENCE = "Reference {n} of the source page; its entry is not in the page export."

_STATUS_STAGES = {
    "Submitted": ReviewStatus.SUBMITTED,
    "Under Review": ReviewStatus.UNDER_REVIEW,
    "Approved": ReviewStatus.APPROVED,
}
_LAST_UPDATED = re.compile(r"^Last updated:\s*(?P<date>[A-Z][a-z]+ \d{1,2}, \d{4})")
# Boilerplate lines, matched at the start of a stripped line.
_BOILERPLATE = (
    "Medical Advisory Board",
    "Educational purpose only",
    "Article Review Status",
    "Personalize",
    "Help us tailor your experience",
    "Which best describes you?",
)
_RELATED = "Related Questions"
_TAIL_MARKERS = ("Professional Medical Disclaimer", "Have a follow-up question?")
_TRAILING_CITATIONS = re.compile(r"^(?P<text>.*?\S)\s+(?P<cites>\d{1,3}(?:\s*,\s*\d{1,3})*)$")
_BULLET = re.compile(r"^[•·▪◦]\s*(?P<text>.*)$")
# A lead-in ("For non-radiographic axial SpA:") heads the bullets under it; a long sentence ending in a colon
# ("TNF inhibitors remain first-line …, particularly when:") is a paragraph.
_LEAD_IN_MAX_WORDS = 12


@dataclass(frozen=True)
class _Line:
    kind: str  # "bullet" | "lead_in" | "paragraph" | "title"
    text: str
    citations: tuple[int, ...] = ()


def _split_citations(text: str, *, sentence_only: bool) -> tuple[str, tuple[int, ...]]:
    match = _TRAILING_CITATIONS.match(text)
    if not match:
        return text, ()
    body = match.group("text")
    # Outside bullets a trailing number is a citation only after the end of a sentence: "Phase 3" is a title.
    if sentence_only and body[-1] not in ".!?)%":
        return text, ()
    return body, tuple(int(n) for n in re.findall(r"\d+", match.group("cites")))


def _classify(text: str) -> _Line:
    bullet = _BULLET.match(text)
    if bullet:
        claim, citations = _split_citations(bullet.group("text").strip(), sentence_only=False)
        return _Line("bullet", claim, citations)
    if text.endswith(":"):
        if len(text.split()) <= _LEAD_IN_MAX_WORDS and ", " not in text:
            return _Line("lead_in", text[:-1].strip())
        return _Line("paragraph", text)
    claim, citations = _split_citations(text, sentence_only=True)
    if citations or (text.endswith((".", "!", "?")) and len(text.split()) > _LEAD_IN_MAX_WORDS):
        return _Line("paragraph", claim, citations)
    return _Line("title", text)


def _header(lines: list[str], path: Path | str | None) -> tuple[str, ReviewStatus, dt.date, int]:
    """Title, status and date from the page head; returns the index of the first body line."""
    content = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    if not content:
        raise CorpusError(path, "empty page export")
    title = content[0][1]
    stages: list[ReviewStatus] = []
    updated: dt.date | None = None
    body_start = content[0][0] + 1
    for i, line in content[1:]:
        date_match = _LAST_UPDATED.match(line)
        if line in _STATUS_STAGES:
            stages.append(_STATUS_STAGES[line])
        elif date_match:
            updated = dt.datetime.strptime(date_match.group("date"), "%B %d, %Y").date()
        elif not line.startswith(_BOILERPLATE):
            if updated is not None:
                break
            continue
        body_start = i + 1
    if updated is None:
        raise CorpusError(path, "no 'Last updated: Month D, YYYY' line in the page head")
    if not stages:
        raise CorpusError(path, "no review status (Submitted / Under Review / Approved) in the page head")
    # The tracker lists the stages reached so far; the furthest one is the article's status.
    return title, max(stages, key=list(ReviewStatus).index), updated, body_start


def parse_page(text: str, article_id: str, path: Path | str | None = None, url: str | None = None) -> Article:
    lines = text.splitlines()
    title, status, updated, body_start = _header(lines, path)
    body: list[str] = []
    related: list[str] = []
    in_related = False
    for raw in lines[body_start:]:
        line = raw.strip()
        if not line or line.startswith(_BOILERPLATE):
            continue
        if line.startswith(_TAIL_MARKERS):
            break
        if line == _RELATED:
            in_related = True
        elif in_related:
            related.append(line)
        else:
            body.append(line)
    if not body:
        raise CorpusError(path, "no article body between the page head and 'Related Questions'")
    answer_heading, outline = _structure([_classify(line) for line in body], path)
    draft = Article(
        id=article_id,
        question=title,
        status=status,
        last_updated=updated,
        url=url,
        related=tuple(question_id(q) for q in related),
        answer_heading=answer_heading,
        answer=tuple(outline.answer),
        sections=outline.sections(),
    )
    # The export shows citation numbers but not the reference list: placeholders say so.
    references = tuple(
        Reference(number=n, text=PLACEHOLDER_REFERENCE.format(n=n)) for n in sorted(draft.cited_numbers())
    )
    return draft.model_copy(update={"references": references})


def _structure(classified: list[_Line], path: Path | str | None) -> tuple[str | None, Outline]:
    """Rebuild heading levels: the export keeps heading text but not heading depth.

    A title followed by another title opens a group (`##`) whose titles are `###`; a title followed by a
    lead-in is a `##` whose lead-ins are `###`; other titles are `###` inside a group, else `##`.
    """
    outline = Outline()
    answer_heading: str | None = None
    group_of_titles = False
    title_level = 1  # lead-ins sit one level below the title they follow
    start = 0
    if classified and classified[0].kind == "title":
        answer_heading, start = classified[0].text, 1
    for position in range(start, len(classified)):
        line = classified[position]
        following = classified[position + 1].kind if position + 1 < len(classified) else None
        if line.kind == "title":
            if following in ("title", "lead_in"):
                title_level = 2
                group_of_titles = following == "title"
            else:
                title_level = 3 if group_of_titles else 2
            outline.open(line.text, title_level)
        elif line.kind == "lead_in":
            outline.open(line.text, title_level + 1)
        else:
            kind: Literal["paragraph", "bullet"] = "bullet" if line.kind == "bullet" else "paragraph"
            outline.add(Block(kind=kind, text=line.text, citations=line.citations))
    if not outline.answer and not outline.has_sections:
        raise CorpusError(path, "the page body has no paragraphs or bullets")
    return answer_heading, outline


def import_page(
    path: Path, article_id: str | None = None, url: str | None = None, status: ReviewStatus | None = None
) -> Article:
    """`000_ab6a97c2e0394c38.txt` gets the id `ab6a97c2e0394c38` unless one is given; `status` overrides the
    page's review tracker (an export cannot show which stage is highlighted)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CorpusError(path, "not UTF-8 text: save the export as UTF-8") from None
    article = parse_page(text, article_id or re.sub(r"^\d+_", "", path.stem), path, url)
    return article if status is None else article.model_copy(update={"status": status})
