"""Retrieve and fuse: one query's ranking of chunk rows, always at the same depth.

Every ranking is computed at `FOLLOWUP_CANDIDATES` per retriever whatever the caller will show, and callers
only ever cut the finished list: so the passages of `top_k = n` are exactly the first n of any larger `top_k`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from index.store import LoadedIndex
from rag.fusion import Fusion, fuse
from rag.retrievers import Bm25Hits, Bm25Retriever, DenseRetriever
from rag.settings import RetrievalSettings
from rag.types import FusedHit, Hit, Mode


@dataclass(frozen=True)
class Retrieved:
    """Both retrievers' candidates for one query, unservable rows already dropped."""

    bm25: Bm25Hits
    dense: list[Hit]


class Ranker:
    def __init__(self, index: LoadedIndex, settings: RetrievalSettings) -> None:
        # The clinical vocabulary of the generation, if it was built with one (FOLLOWUP_VOCABULARY at build time).
        self.bm25 = Bm25Retriever(index.bm25, index.bm25_rows, index.vocabulary, settings.vocabulary_weight)
        self.dense = DenseRetriever(index.dense)
        self.depth = settings.candidates
        self.fusion = Fusion(settings.fusion)
        self.rrf_k = settings.rrf_k
        self.bm25_weight = settings.bm25_weight

    def retrieve(
        self, query: str, vector: NDArray[np.float32], blocked: frozenset[int], asking: str | None = None
    ) -> Retrieved:
        """Each retriever is asked for `len(blocked)` more rows than the depth, so unservable rows neither shorten
        the list nor shift the score normalisation of the rest. `asking`: see `Bm25Queries`."""
        extra = len(blocked)
        lexical = self.bm25.search(query, self.depth + extra, asking)
        bm25 = [h for h in lexical.hits if h.row not in blocked][: self.depth]
        dense = [h for h in self.dense.search(vector, self.depth + extra) if h.row not in blocked][: self.depth]
        return Retrieved(Bm25Hits(bm25, lexical.exhaustive or len(bm25) < self.depth), dense)

    def fuse(self, retrieved: Retrieved, mode: Mode) -> list[FusedHit]:
        if mode is Mode.BM25:
            return [single(h, rank, Mode.BM25) for rank, h in enumerate(retrieved.bm25.hits, 1)]
        if mode is Mode.DENSE:
            return [single(h, rank, Mode.DENSE) for rank, h in enumerate(retrieved.dense, 1)]
        return fuse(
            retrieved.bm25.hits,
            retrieved.dense,
            self.fusion,
            rrf_k=self.rrf_k,
            bm25_weight=self.bm25_weight,
            bm25_exhaustive=retrieved.bm25.exhaustive,
        )

    def rank(
        self,
        query: str,
        vector: NDArray[np.float32],
        mode: Mode,
        blocked: frozenset[int],
        asking: str | None = None,
    ) -> list[FusedHit]:
        return self.fuse(self.retrieve(query, vector, blocked, asking), mode)


def single(hit: Hit, rank: int, source: Mode) -> FusedHit:
    if source is Mode.BM25:
        return FusedHit(row=hit.row, fused=hit.score, bm25=hit.score, bm25_rank=rank)
    return FusedHit(row=hit.row, fused=hit.score, dense=hit.score, dense_rank=rank)
