"""From a question to the answer object: hybrid retrieval, fusion, approval filter, passages, caveat."""

from __future__ import annotations

from collections.abc import Sequence

from corpus.model import Article
from index.embedder import Embedder
from index.settings import Settings
from index.store import IndexUnavailable, LoadedIndex
from rag.fusion import Fusion, fuse
from rag.retrievers import Bm25Retriever, DenseRetriever
from rag.types import Answer, FusedHit, Hit, Mode, Passage, Scores


class UnknownArticle(LookupError):
    """An `article_id` that is not an approved article of the served index."""


class Answerer:
    def __init__(self, index: LoadedIndex, embedder: Embedder, settings: Settings) -> None:
        if index.manifest.model.dim != embedder.dim:
            raise IndexUnavailable(
                f"index was built with {index.manifest.model.name} ({index.manifest.model.dim}-d) but the "
                f"configured model {embedder.name} is {embedder.dim}-d: rebuild the index or set FOLLOWUP_MODEL_PATH"
            )
        self.index = index
        self.settings = settings
        self.bm25 = Bm25Retriever(index.bm25)
        self.dense = DenseRetriever(index.dense, embedder)

    def approved_article(self, article_id: str) -> Article:
        article = self.index.articles.get(article_id)
        if article is None or not article.is_approved:
            raise UnknownArticle(article_id)
        return article

    def retrieve(self, query: str, mode: Mode, k: int) -> list[FusedHit]:
        if mode is Mode.BM25:
            return [_single(h, rank, "bm25") for rank, h in enumerate(self.bm25.search(query, k), 1)]
        if mode is Mode.DENSE:
            return [_single(h, rank, "dense") for rank, h in enumerate(self.dense.search(query, k), 1)]
        candidates = max(k, self.settings.candidates)
        fused = fuse(
            self.bm25.search(query, candidates),
            self.dense.search(query, candidates),
            Fusion(self.settings.fusion),
            rrf_k=self.settings.rrf_k,
            bm25_weight=self.settings.bm25_weight,
        )
        return fused[:k]

    def ask(
        self,
        question: str,
        *,
        article_id: str | None = None,
        history: Sequence[str] = (),
        top_k: int = 5,
        mode: Mode = Mode.HYBRID,
    ) -> Answer:
        if article_id is not None:
            self.approved_article(article_id)
        passages: list[Passage] = []
        for hit in self.retrieve(question, mode, max(top_k * 4, self.settings.candidates)):
            chunk = self.index.chunks[hit.row]
            article = self.index.articles.get(chunk.article_id)
            # The index holds approved articles only; checked again so nothing else can ever be served.
            if article is None or not article.is_approved:
                continue
            passages.append(
                Passage(
                    rank=len(passages) + 1,
                    score=hit.fused,
                    chunk_id=chunk.chunk_id,
                    article_id=article.id,
                    article_title=article.question,
                    section=list(chunk.section),
                    text=chunk.text,
                    citations=list(chunk.citations),
                    review_status=article.status,
                    last_updated=article.last_updated,
                    url=article.url,
                    scores=Scores(
                        bm25=hit.bm25,
                        bm25_rank=hit.bm25_rank,
                        dense=hit.dense,
                        dense_rank=hit.dense_rank,
                        fused=hit.fused,
                    ),
                )
            )
            if len(passages) == top_k:
                break
        return Answer(question=question, answered=bool(passages), passages=passages, index_version=self.index.version)


def _single(hit: Hit, rank: int, source: str) -> FusedHit:
    if source == "bm25":
        return FusedHit(row=hit.row, fused=hit.score, bm25=hit.score, bm25_rank=rank)
    return FusedHit(row=hit.row, fused=hit.score, dense=hit.score, dense_rank=rank)
