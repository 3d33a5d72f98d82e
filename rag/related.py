"""Related questions: approved articles about the same thing as an article (or a text), best first.

Candidates come from both article-level retrievers (dense and BM25 over question + headings + answer summary);
every candidate is then scored by its cosine similarity to the seed, so one absolute floor can keep unrelated
articles out: a short list beats a padded one. Items too similar to a better item are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from corpus.model import Article, ReviewStatus
from index.article_index import ArticleIndex, article_text
from index.settings import Settings

MAX_RELATED = 20

Encode = Callable[[list[str]], NDArray[np.float32]]
Servable = Callable[[str], Article | None]


class RelatedQuestion(BaseModel):
    article_id: str
    question: str
    url: str | None
    score: float
    review_status: ReviewStatus


@dataclass(frozen=True)
class Candidates:
    """Servable articles best first, with their cosine similarity to the seed and their vectors."""

    articles: list[Article]
    scores: NDArray[np.float32]
    vectors: NDArray[np.float32]


class RelatedFinder:
    def __init__(self, articles: ArticleIndex, encode: Encode, servable: Servable, settings: Settings) -> None:
        self._index = articles
        self._encode = encode
        self._servable = servable
        self.min_score = settings.related_min_score
        self.duplicate_above = settings.related_duplicate_above
        self.candidates = settings.related_candidates

    def for_article(self, article: Article, k: int) -> list[RelatedQuestion]:
        """Articles related to `article` (an approved one): its stored vector is used, so nothing is embedded."""
        if article.id in self._index.rows:
            vector = self._index.vector(article.id)
        else:
            vector = self._encode([article_text(article)])[0]
        return self._related(vector, article_text(article), k, exclude=article.id)

    def for_text(self, text: str, k: int) -> list[RelatedQuestion]:
        """Articles that a free-text question is about (one query embedding)."""
        return self._related(self._encode([text])[0], text, k, exclude=None)

    def _related(self, vector: NDArray[np.float32], text: str, k: int, exclude: str | None) -> list[RelatedQuestion]:
        return self.select(self.candidates_for(vector, text, exclude), k, self.min_score, self.duplicate_above)

    def candidates_for(self, vector: NDArray[np.float32], text: str, exclude: str | None) -> Candidates:
        """Every servable article either retriever proposes, scored by cosine similarity, best first."""
        rows = {row for row, _ in self._index.dense.search(vector, self.candidates + 1)}
        rows.update(row for row, _ in self._index.bm25.search(text, self.candidates + 1))
        articles: list[Article] = []
        kept_rows: list[int] = []
        for row in sorted(rows):
            article_id = self._index.ids[row]
            article = self._servable(article_id) if article_id != exclude else None
            if article is not None:
                articles.append(article)
                kept_rows.append(row)
        if not kept_rows:
            return Candidates([], np.zeros(0, dtype=np.float32), np.zeros((0, len(vector)), dtype=np.float32))
        vectors = self._index.dense.vectors(kept_rows)
        scores = vectors @ vector
        order = np.argsort(-scores, kind="stable")
        return Candidates([articles[i] for i in order], scores[order], vectors[order])

    @staticmethod
    def select(candidates: Candidates, k: int, min_score: float, duplicate_above: float) -> list[RelatedQuestion]:
        """At most `k` candidates at or above the floor, skipping near-duplicates of a better one already listed."""
        kept: list[int] = []
        for i, score in enumerate(candidates.scores):
            if score < min_score or len(kept) >= k:
                break
            vectors = candidates.vectors
            # A near-duplicate of an item already listed (a better one) adds nothing for the reader.
            if kept and float((vectors[kept] @ vectors[i]).max()) > duplicate_above:
                continue
            kept.append(i)
        return [
            RelatedQuestion(
                article_id=candidates.articles[i].id,
                question=candidates.articles[i].question,
                url=candidates.articles[i].url,
                score=round(float(candidates.scores[i]), 4),
                review_status=candidates.articles[i].status,
            )
            for i in kept
        ]
