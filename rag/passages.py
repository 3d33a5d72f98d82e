"""Passage mapping: a ranked chunk row → the passage a clinician sees (text, section path, citations, scores)."""

from __future__ import annotations

import re

from corpus.model import Article, ReviewStatus
from index.store import LoadedIndex
from rag.types import CitedReference, FusedHit, Passage, Scores

_URL = re.compile(r"https?://[^\s<>\"]+")


def to_passage(index: LoadedIndex, rank: int, hit: FusedHit) -> Passage:
    """Only servable (effectively approved) rows may reach this, so the passage says approved."""
    chunk = index.chunks[hit.row]
    article = index.articles[chunk.article_id]
    return Passage(
        rank=rank,
        score=hit.fused,
        chunk_id=chunk.chunk_id,
        article_id=article.id,
        article_title=article.question,
        section=list(chunk.section),
        text=chunk.text,
        citations=list(chunk.citations),
        references=cited_references(article, chunk.citations),
        review_status=ReviewStatus.APPROVED,
        last_updated=article.last_updated,
        url=article.url,
        scores=Scores(
            bm25=hit.bm25,
            bm25_rank=hit.bm25_rank,
            dense=hit.dense,
            dense_rank=hit.dense_rank,
            fused=hit.fused,
            reader=None if hit.reader is None else round(hit.reader, 4),
        ),
    )


def cited_references(article: Article, citations: tuple[int, ...] | list[int]) -> list[CitedReference]:
    """The article's reference for each number cited, in citation order; a number it does not list is left out
    (the build reports such articles: corpus/validation.py)."""
    listed = {reference.number: reference.text for reference in article.references}
    return [
        CitedReference(number=n, text=listed[n], url=_first_url(listed[n]))
        for n in dict.fromkeys(citations)
        if n in listed
    ]


def _first_url(text: str) -> str | None:
    found = _URL.search(text)
    return found.group(0).rstrip(".,;:)]") if found else None
