"""Runs every query through the retrievers once, then ranks documents per mode (and per fusion variant)."""

from __future__ import annotations

from dataclasses import dataclass

from tqdm import tqdm

from index.embedder import Embedder
from index.store import LoadedIndex
from rag.fusion import Fusion, fuse
from rag.retrievers import Bm25Retriever, DenseRetriever
from rag.types import FusedHit, Hit

Run = dict[str, dict[str, float]]  # query id → document (or chunk) id → score


@dataclass(frozen=True)
class FusionVariant:
    name: str
    method: Fusion
    rrf_k: int = 60
    bm25_weight: float = 0.5


@dataclass
class QueryHits:
    bm25: list[Hit]
    dense: list[Hit]
    bm25_exhaustive: bool = False  # BM25 returned fewer hits than asked for: every row it matched

    @classmethod
    def searched(cls, bm25: list[Hit], dense: list[Hit], asked: int) -> QueryHits:
        return cls(bm25, dense, bm25_exhaustive=len(bm25) < asked)


def retrieve_all(
    index: LoadedIndex, embedder: Embedder, queries: dict[str, str], candidates: int, progress: bool = True
) -> dict[str, QueryHits]:
    """Chunk hits of both retrievers for every query; queries are embedded in batches."""
    bm25 = Bm25Retriever(index.bm25, index.bm25_rows)
    dense = DenseRetriever(index.dense, embedder)
    ids = list(queries)
    vectors = embedder.encode([queries[q] for q in ids], show_progress=progress)
    hits: dict[str, QueryHits] = {}
    for qid, vector in tqdm(zip(ids, vectors, strict=True), total=len(ids), desc="retrieve", disable=not progress):
        hits[qid] = QueryHits.searched(
            bm25.search(queries[qid], candidates), dense.search_vector(vector, candidates), candidates
        )
    return hits


def fused_hits(hits: QueryHits, mode: str, variant: FusionVariant) -> list[FusedHit]:
    if mode == "bm25":
        return [FusedHit(row=h.row, fused=h.score) for h in hits.bm25]
    if mode == "dense":
        return [FusedHit(row=h.row, fused=h.score) for h in hits.dense]
    return fuse(
        hits.bm25,
        hits.dense,
        variant.method,
        rrf_k=variant.rrf_k,
        bm25_weight=variant.bm25_weight,
        bm25_exhaustive=hits.bm25_exhaustive,
    )


def document_run(
    index: LoadedIndex, all_hits: dict[str, QueryHits], mode: str, variant: FusionVariant, depth: int
) -> Run:
    """A document's score is its best passage's; the best `depth` documents per query."""
    run: Run = {}
    for qid, hits in all_hits.items():
        ranked: dict[str, float] = {}
        for hit in fused_hits(hits, mode, variant):
            doc = index.chunks[hit.row].article_id
            if doc not in ranked:
                ranked[doc] = hit.fused
                if len(ranked) == depth:
                    break
        run[qid] = ranked
    return run
