"""Related questions: approved articles about the same thing as an article (or a text), best first.

Candidates come from both article-level retrievers (dense and BM25 over question + headings + answer summary).
Each is scored on an absolute scale, so one floor can keep unrelated articles out (a short list beats a padded
one): cosine similarity mixed with BM25 relative to the seed's own BM25 score. Items too similar to a better
item are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from corpus.model import Article, ReviewStatus
from index.article_index import ArticleIndex, article_text
from rag.settings import RelatedSettings

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
    """Servable articles with their cosine similarity to the seed, their normalised BM25 score (None for a
    free-text seed) and their vectors."""

    articles: list[Article]
    cosine: NDArray[np.float32]
    lexical: NDArray[np.float32] | None
    vectors: NDArray[np.float32]

    def scores(self, bm25_weight: float) -> NDArray[np.float32]:
        """A convex mix of both: BM25 weighs rare shared terms (a drug, a disease) over shared phrasing."""
        if self.lexical is None:
            return self.cosine
        mixed: NDArray[np.float32] = (1 - bm25_weight) * self.cosine + bm25_weight * self.lexical
        return mixed


class RelatedFinder:
    def __init__(self, articles: ArticleIndex, encode: Encode, servable: Servable, settings: RelatedSettings) -> None:
        self._index = articles
        self._encode = encode
        self._servable = servable
        self.min_score = settings.related_min_score
        self.duplicate_above = settings.related_duplicate_above
        self.candidates = settings.related_candidates
        self.bm25_weight = settings.related_bm25_weight

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
        candidates = self.candidates_for(vector, text, exclude)
        return self.select(candidates, k, self.min_score, self.duplicate_above, self.bm25_weight)

    def candidates_for(self, vector: NDArray[np.float32], text: str, exclude: str | None) -> Candidates:
        """Every servable article either retriever proposes, with its similarity to the seed on both scales."""
        rows = {row for row, _ in self._index.dense.search(vector, self.candidates + 1)}
        bm25 = self._index.bm25  # built without answer types: the text's own terms are its query
        rows.update(row for row, _ in bm25.search(bm25.tokenize(text), self.candidates + 1))
        articles: list[Article] = []
        kept_rows: list[int] = []
        for row in sorted(rows):
            article_id = self._index.ids[row]
            article = self._servable(article_id) if article_id != exclude else None
            if article is not None:
                articles.append(article)
                kept_rows.append(row)
        vectors = self._index.dense.vectors(kept_rows) if kept_rows else np.zeros((0, len(vector)), dtype=np.float32)
        return Candidates(articles, vectors @ vector, self._lexical(text, exclude, kept_rows), vectors)

    def _lexical(self, text: str, seed: str | None, rows: list[int]) -> NDArray[np.float32] | None:
        """BM25 over the seed article's own BM25 score (its best possible match), so 1.0 means "as similar as
        itself"; a free-text seed has no such reference and is scored by cosine similarity alone."""
        seed_row = self._index.rows.get(seed) if seed is not None else None
        if seed_row is None:
            return None
        bm25 = self._index.bm25
        scores = bm25.scores(bm25.tokenize(text))
        if scores[seed_row] <= 0:
            return np.zeros(len(rows), dtype=np.float32)
        lexical: NDArray[np.float32] = np.clip(scores[rows] / scores[seed_row], 0.0, 1.0).astype(np.float32)
        return lexical

    @staticmethod
    def select(
        candidates: Candidates, k: int, min_score: float, duplicate_above: float, bm25_weight: float
    ) -> list[RelatedQuestion]:
        """At most `k` candidates at or above the floor, best first, skipping near-duplicates of a better one."""
        scores = candidates.scores(bm25_weight)
        kept: list[int] = []
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] < min_score or len(kept) >= k:
                break
            vectors = candidates.vectors
            # A near-duplicate of an item already listed (a better one) adds nothing for the reader.
            if kept and float((vectors[kept] @ vectors[i]).max()) > duplicate_above:
                continue
            kept.append(int(i))
        return [
            RelatedQuestion(
                article_id=candidates.articles[i].id,
                question=candidates.articles[i].question,
                url=candidates.articles[i].url,
                score=round(float(scores[i]), 4),
                review_status=candidates.articles[i].status,
            )
            for i in kept
        ]
