"""The two retrievers over one loaded index, in chunk rows: BM25 (lexical) and dense (cosine)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from index.bm25 import Bm25Index
from index.dense import DenseIndex
from index.vocabulary import Vocabulary
from rag.language.alternatives import VocabularyLookup
from rag.language.bm25_query import Bm25Queries
from rag.types import Hit


@dataclass(frozen=True)
class Bm25Hits:
    """BM25's best rows; `exhaustive` when it matched fewer rows than asked for, so every other row scored 0."""

    hits: list[Hit]
    exhaustive: bool


class Bm25Retriever:
    """BM25 over the chunks it was built from; `rows` maps its rows to chunk rows (identity when None).

    A query asks for the answer types its words name, when the index holds them; with a `vocabulary`, its terms are
    also looked for as the corpus says them elsewhere, at `vocabulary_weight` (rag/language/)."""

    def __init__(
        self,
        index: Bm25Index,
        rows: Sequence[int] | None = None,
        vocabulary: Vocabulary | None = None,
        vocabulary_weight: float = 0.0,
    ) -> None:
        self._index = index
        self._rows = rows
        self._lookup = VocabularyLookup(vocabulary, index.tokenize) if vocabulary is not None else None
        self.queries = Bm25Queries(index.tokenize, index.answer_types, self._lookup, vocabulary_weight)
        self._bm25_row: dict[int, int] | None = (
            None if rows is None else {chunk_row: bm25_row for bm25_row, chunk_row in enumerate(rows)}
        )

    def alternatives(self, query: str) -> list[str]:
        return self.queries.alternatives(query)

    def linked_terms(self, query: str) -> dict[str, set[tuple[str, ...]]]:
        """The query's terms the vocabulary links to what the corpus says, with the terms of what it says (whatever
        their ranking weight)."""
        return {} if self._lookup is None else self._lookup.linked_terms(query)

    def search(self, query: str, k: int, asking: str | None = None) -> Bm25Hits:
        """`asking`: the clinician's own words when `query` carries context (see `Bm25Queries`)."""
        rows = self._rows
        bm25_query = self.queries(query, asking)
        hits = self._index.search(bm25_query.terms, k, bm25_query.alternatives, bm25_query.weight)
        return Bm25Hits([Hit(row if rows is None else rows[row], score) for row, score in hits], len(hits) < k)

    def held_by(self, terms: list[str], chunk_rows: Sequence[int]) -> NDArray[np.bool_]:
        """Whether any of the chunk rows holds each (tokenised) term, as BM25 indexed them."""
        lookup = self._bm25_row
        rows = chunk_rows if lookup is None else [lookup[r] for r in chunk_rows if r in lookup]
        return self._index.held_by(terms, np.sort(np.asarray(rows, dtype=np.int64)))


class DenseRetriever:
    def __init__(self, index: DenseIndex) -> None:
        self._index = index

    def search(self, vector: NDArray[np.float32], k: int) -> list[Hit]:
        return [Hit(row, score) for row, score in self._index.search(vector, k)]
