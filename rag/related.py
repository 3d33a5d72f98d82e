"""Related questions: approved articles about the same thing as an article (or a text), best first.

Candidates come from both article-level retrievers (dense and BM25 over question + headings + answer summary);
every candidate is then scored by its cosine similarity to the seed, so one absolute floor can keep unrelated
articles out: a short list beats a padded one. Items too similar to a better item are dropped.
"""

from __future__ import annotations

from collections.abc import Callable

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
        rows = {row for row, _ in self._index.dense.search(vector, self.candidates + 1)}
        rows.update(row for row, _ in self._index.bm25.search(text, self.candidates + 1))
        ordered = sorted(rows)
        if not ordered:
            return []
        vectors = self._index.dense.vectors(ordered)
        scores = vectors @ vector
        kept: list[int] = []
        items: list[RelatedQuestion] = []
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] < self.min_score or len(items) >= k:
                break
            article_id = self._index.ids[ordered[i]]
            article = self._servable(article_id) if article_id != exclude else None
            if article is None or self._duplicate(vectors, kept, int(i)):
                continue
            kept.append(int(i))
            items.append(
                RelatedQuestion(
                    article_id=article.id,
                    question=article.question,
                    url=article.url,
                    score=round(float(scores[i]), 4),
                    review_status=article.status,
                )
            )
        return items

    def _duplicate(self, vectors: NDArray[np.float32], kept: list[int], candidate: int) -> bool:
        """Near-duplicates of an item already listed (a better one) add nothing for the reader."""
        return bool(kept) and float((vectors[kept] @ vectors[candidate]).max()) > self.duplicate_above
