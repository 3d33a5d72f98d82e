"""Dense retrieval: unit-length embeddings in a faiss inner-product index (cosine similarity)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
from numpy.typing import NDArray


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: NDArray[np.float32]) -> DenseIndex:
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(faiss.read_index(str(path)))

    def vectors(self, rows: list[int]) -> NDArray[np.float32]:
        """The stored (unit-length) vectors of `rows`."""
        return np.stack([self._index.reconstruct(row) for row in rows]).astype(np.float32)

    def search(self, query_vector: NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        if self.size == 0:
            return []
        scores, rows = self._index.search(query_vector.reshape(1, -1), min(k, self.size))
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
