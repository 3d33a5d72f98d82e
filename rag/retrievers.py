"""Retrievers over one loaded index; each is anything with `search(query, k) -> list[Hit]`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from index.bm25 import Bm25Index
from index.dense import DenseIndex
from index.embedder import Embedder
from rag.types import Hit


class Retriever(Protocol):
    def search(self, query: str, k: int) -> list[Hit]: ...


class Bm25Retriever:
    """BM25 over the chunks it was built from; `rows` maps its rows to chunk rows (identity when None)."""

    def __init__(self, index: Bm25Index, rows: Sequence[int] | None = None) -> None:
        self._index = index
        self._rows = rows

    def search(self, query: str, k: int) -> list[Hit]:
        rows = self._rows
        hits = self._index.search(query, k)
        return [Hit(row if rows is None else rows[row], score) for row, score in hits]


class DenseRetriever:
    def __init__(self, index: DenseIndex, embedder: Embedder) -> None:
        self._index = index
        self._embedder = embedder

    def search(self, query: str, k: int) -> list[Hit]:
        return self.search_vector(self._embedder.encode([query])[0], k)

    def search_vector(self, vector: NDArray[np.float32], k: int) -> list[Hit]:
        """For callers that embed many queries in one batch (evaluation)."""
        return [Hit(row, score) for row, score in self._index.search(vector, k)]
