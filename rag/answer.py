"""From a question to the answer object: retrieval with context, fusion, approval filter, abstention, caveat."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from corpus.model import Article, ReviewStatus
from index.embedder import Embedder
from index.onnx_encoder import QueryEncoder
from index.overrides import OverrideStore
from index.settings import Settings
from index.store import IndexUnavailable, LoadedIndex
from rag.context import contextual_query
from rag.fusion import Fusion, fuse, reciprocal_rank_fusion
from rag.related import RelatedFinder
from rag.retrievers import Bm25Retriever, DenseRetriever
from rag.servable import Servable
from rag.types import DEFAULT_TOP_K, Answer, FusedHit, Hit, Mode, Passage, Scores


class UnknownArticle(LookupError):
    """An `article_id` that is not an approved article of the served index."""


class Answerer:
    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        settings: Settings,
        overrides: OverrideStore | None = None,
        query_encoder: QueryEncoder | None = None,
    ) -> None:
        if index.manifest.model.dim != embedder.dim:
            raise IndexUnavailable(
                f"index was built with {index.manifest.model.name} ({index.manifest.model.dim}-d) but the "
                f"configured model {embedder.name} is {embedder.dim}-d: rebuild the index or set FOLLOWUP_MODEL_PATH"
            )
        self.index = index
        self.settings = settings
        self.embedder = embedder
        # Questions may be embedded by another runtime of the same model (index/onnx_encoder.py); passages never.
        self.encode_queries: QueryEncoder = query_encoder or embedder.encode
        self.bm25 = Bm25Retriever(index.bm25, index.bm25_rows)
        self.dense = DenseRetriever(index.dense, embedder)
        self.servable = Servable(index, overrides)
        self.related = (
            RelatedFinder(index.article_index, self.encode_queries, self.served_article, settings)
            if index.article_index is not None
            else None
        )

    def is_servable(self, article_id: str) -> bool:
        """The approval decision (effective status approved); see `rag.servable`."""
        return self.servable.is_servable(article_id)

    def served_article(self, article_id: str) -> Article | None:
        """The article as served (with its effective status), or None if it may not be served now."""
        article = self.index.articles.get(article_id)
        if article is None or not self.is_servable(article_id):
            return None
        return article if article.is_approved else article.model_copy(update={"status": ReviewStatus.APPROVED})

    def approved_article(self, article_id: str) -> Article:
        article = self.served_article(article_id)
        if article is None:
            raise UnknownArticle(article_id)
        return article

    def _retrieve(self, query: str, vector: np.ndarray, mode: Mode, k: int, blocked: frozenset[int]) -> list[FusedHit]:
        # Unservable rows are dropped before ranking, and each retriever is asked for that many more, so a
        # retraction neither shortens an answer nor shifts the score normalisation of the rest.
        def allowed(hits: list[Hit], n: int) -> list[Hit]:
            return [h for h in hits if h.row not in blocked][:n]

        extra = len(blocked)
        if mode is Mode.BM25:
            hits = allowed(self.bm25.search(query, k + extra), k)
            return [_single(h, rank, "bm25") for rank, h in enumerate(hits, 1)]
        if mode is Mode.DENSE:
            hits = allowed(self.dense.search_vector(vector, k + extra), k)
            return [_single(h, rank, "dense") for rank, h in enumerate(hits, 1)]
        candidates = max(k, self.settings.candidates)
        lexical = allowed(self.bm25.search(query, candidates + extra), candidates)
        return fuse(
            lexical,
            allowed(self.dense.search_vector(vector, candidates + extra), candidates),
            Fusion(self.settings.fusion),
            rrf_k=self.settings.rrf_k,
            bm25_weight=self.settings.bm25_weight,
            bm25_exhaustive=len(lexical) < candidates,  # BM25 matched fewer rows than asked for: it gave them all
        )[:k]

    def search(
        self,
        question: str,
        *,
        article_id: str | None = None,
        history: Sequence[str] = (),
        mode: Mode = Mode.HYBRID,
        k: int = 10,
    ) -> tuple[list[FusedHit], float]:
        """Approved passages best first, and the best cosine similarity of any of them to the question."""
        article = self.approved_article(article_id) if article_id is not None else None
        queries = [question]
        expanded = contextual_query(question, article, history)
        if expanded is not None:
            queries.append(expanded)
        vectors = self.encode_queries(queries)
        blocked = self.servable.blocked_rows()
        rankings = [self._retrieve(q, v, mode, k * 2, blocked) for q, v in zip(queries, vectors, strict=True)]
        hits = rankings[0] if len(rankings) == 1 else _merge(rankings[0], rankings[1], self.settings.rrf_k)
        approved = [h for h in hits if self._is_served(h.row)][:k]
        return approved, self._similarity(vectors, approved)

    def _is_served(self, row: int) -> bool:
        # Checked again on the final list with the latest overrides, so nothing unapproved can ever be served.
        return self.is_servable(self.index.chunks[row].article_id)

    def _similarity(self, query_vectors: np.ndarray, hits: list[FusedHit]) -> float:
        if not hits:
            return 0.0
        passages = self.index.dense.vectors([h.row for h in hits])
        return float((passages @ query_vectors.T).max())

    def ask(
        self,
        question: str,
        *,
        article_id: str | None = None,
        history: Sequence[str] = (),
        top_k: int = DEFAULT_TOP_K,
        mode: Mode = Mode.HYBRID,
    ) -> Answer:
        hits, similarity = self.search(question, article_id=article_id, history=history, mode=mode, k=top_k)
        floor = self.settings.abstain_below
        if floor is not None and similarity < floor:
            hits = []  # nothing approved is close enough to answer: say so rather than show noise
        passages = [self._passage(rank, hit) for rank, hit in enumerate(hits, start=1)]
        return Answer(question=question, answered=bool(passages), passages=passages, index_version=self.index.version)

    def _passage(self, rank: int, hit: FusedHit) -> Passage:
        chunk = self.index.chunks[hit.row]
        article = self.index.articles[chunk.article_id]
        return Passage(
            rank=rank,
            score=hit.fused,
            chunk_id=chunk.chunk_id,
            article_id=article.id,
            article_title=article.question,
            section=list(chunk.section),
            text=chunk.text,
            citations=list(chunk.citations),
            review_status=ReviewStatus.APPROVED,  # only servable (effectively approved) passages get here
            last_updated=article.last_updated,
            url=article.url,
            scores=Scores(
                bm25=hit.bm25, bm25_rank=hit.bm25_rank, dense=hit.dense, dense_rank=hit.dense_rank, fused=hit.fused
            ),
        )


def _merge(plain: list[FusedHit], contextual: list[FusedHit], k: int) -> list[FusedHit]:
    """Plain and contextual rankings, fused by rank; each row keeps the scores of its best appearance."""
    best: dict[int, FusedHit] = {}
    for hit in [*plain, *contextual]:
        best.setdefault(hit.row, hit)
    merged = reciprocal_rank_fusion(
        [Hit(h.row, h.fused) for h in plain], [Hit(h.row, h.fused) for h in contextual], k=k
    )
    return [FusedHit(**{**vars(best[m.row]), "fused": m.fused}) for m in merged]


def _single(hit: Hit, rank: int, source: str) -> FusedHit:
    if source == "bm25":
        return FusedHit(row=hit.row, fused=hit.score, bm25=hit.score, bm25_rank=rank)
    return FusedHit(row=hit.row, fused=hit.score, dense=hit.score, dense_rank=rank)
