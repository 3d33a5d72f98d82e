"""Passage mapping: a ranked chunk row → the passage a clinician sees (text, section path, citations, scores)."""

from __future__ import annotations

from corpus.model import ReviewStatus
from index.store import LoadedIndex
from rag.types import FusedHit, Passage, Scores


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
        review_status=ReviewStatus.APPROVED,
        last_updated=article.last_updated,
        url=article.url,
        scores=Scores(
            bm25=hit.bm25, bm25_rank=hit.bm25_rank, dense=hit.dense, dense_rank=hit.dense_rank, fused=hit.fused
        ),
    )
