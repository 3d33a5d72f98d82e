"""Questions through the served pipeline: every evaluation ranks with `Answerer.search`, the query encoder the
server uses and the same approval filter, then cuts the ranking exactly as the API does."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from eval.datasets import GoldQuestion
from index.embedder import Embedder
from index.overrides import OverrideStore
from index.store import LoadedIndex
from rag.answer import Answerer, Ranked
from rag.settings import PipelineSettings
from rag.types import Mode

Run = dict[str, dict[str, float]]  # query id → document (or chunk) id → score


def served_answerer(
    index: LoadedIndex, settings: PipelineSettings, embedder: Embedder, overrides: OverrideStore | None = None
) -> Answerer:
    """The answerer as `followup serve` builds it (same query encoder)."""
    encoder = settings.served_query_encoder()
    return Answerer(index, embedder, settings.retrieval, settings.related, overrides, encoder)


def rank_all(
    answerer: Answerer, questions: Sequence[GoldQuestion], mode: Mode, progress: bool = False
) -> dict[str, Ranked]:
    """Each question's whole ranking; plain questions are embedded together (each encoder batches them), the
    contextual ones one by one."""
    texts = [q.question for q in questions]
    vectors = answerer.encode_queries(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    return {
        q.id: answerer.search(q.question, article_id=q.article_id, history=q.history, mode=mode, vector=vector)
        for q, vector in tqdm(zip(questions, vectors, strict=True), total=len(questions), disable=not progress)
    }


def passage_run(answerer: Answerer, ranked: dict[str, Ranked], depth: int, as_served: bool = False) -> Run:
    """The first `depth` passages by chunk id, as `/v1/ask` with `top_k = depth` would list them; `as_served`:
    a declined question lists nothing."""
    chunks = answerer.index.chunks
    return {
        qid: {}
        if as_served and not r.answered
        else _by_rank([chunks[h.row].chunk_id for h in answerer.servable_prefix(r.hits, depth)])
        for qid, r in ranked.items()
    }


def _by_rank(ids: list[str]) -> dict[str, float]:
    """Each id scored by its place (first highest): ranx orders a run by score, and the served order is not the
    fused score's where the reader reordered the top passages."""
    return {doc: float(len(ids) - i) for i, doc in enumerate(ids)}


def document_run(answerer: Answerer, ranked: dict[str, Ranked], depth: int, as_served: bool = False) -> Run:
    """A document scores as its best passage; the best `depth` documents per query."""
    chunks = answerer.index.chunks
    run: Run = {}
    for qid, r in ranked.items():
        documents: dict[str, None] = {}
        if r.answered or not as_served:
            for hit in r.hits:
                documents.setdefault(chunks.article_id(hit.row))
                if len(documents) == depth:
                    break
        run[qid] = _by_rank(list(documents))
    return run


def answered_share(ranked: dict[str, Ranked], ids: Sequence[str] | None = None) -> float:
    chosen = list(ranked) if ids is None else list(ids)
    return float(np.mean([ranked[q].answered for q in chosen])) if chosen else float("nan")
