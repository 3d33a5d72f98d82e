"""nDCG@10 of Followup and of the tutorial stack on a BEIR set (medquad-beir dev), same chunks, same embeddings.

Followup is scored by the evaluation harness (eval/: the cached index, documents ranked by their best passage);
the tutorial stack ranks the same chunks of the same cached index, documents by their best passage too.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.baselines import TutorialStack
from eval.beir_eval import DEPTH, cached_index, default_variant
from eval.datasets import BeirSet, load_beir
from eval.metrics import score
from eval.runner import QueryHits, Run, document_run
from index.embedder import Embedder
from index.settings import Settings
from index.store import LoadedIndex
from rag.retrievers import Bm25Retriever, DenseRetriever


def beir_with_index(
    folder: Path, split: str, settings: Settings, embedder: Embedder, cache_dir: Path, limit: int = 0
) -> tuple[BeirSet, LoadedIndex]:
    """A BEIR split (its first `limit` queries, if given) and the evaluation harness's cached index of it."""
    data = load_beir(folder, split)
    if limit:
        data = data.limited(limit)
    return data, cached_index(data, settings, embedder, cache_dir)


def compare_on_beir(
    folder: Path, split: str, settings: Settings, embedder: Embedder, cache_dir: Path, limit: int = 0
) -> dict[str, object]:
    data, index = beir_with_index(folder, split, settings, embedder, cache_dir, limit)
    ids = list(data.queries)
    texts = [data.queries[q] for q in ids]
    started = time.perf_counter()
    vectors = embedder.encode(texts)
    embed_seconds = time.perf_counter() - started

    bm25, dense = Bm25Retriever(index.bm25), DenseRetriever(index.dense, embedder)
    candidates = max(DEPTH * 3, settings.candidates)
    started = time.perf_counter()
    hits = {
        qid: QueryHits.searched(bm25.search(text, candidates), dense.search_vector(vector, candidates), candidates)
        for qid, text, vector in zip(ids, texts, vectors, strict=True)
    }
    ours_run = document_run(index, hits, "hybrid", default_variant(settings), DEPTH)
    ours_seconds = time.perf_counter() - started

    header = settings.bm25_header == "question_and_section"
    stack = TutorialStack(
        [c.lexical_text(header) for c in index.chunks], index.dense.vectors(list(range(index.dense.size))), embedder
    )
    started = time.perf_counter()
    tutorial_run: Run = {}
    for qid, text, vector in zip(ids, texts, vectors, strict=True):
        ranked: dict[str, float] = {}
        for row, value in stack.search_vector(text, vector, k=candidates, candidates=candidates):
            ranked.setdefault(index.chunks[row].article_id, value)
        tutorial_run[qid] = dict(list(ranked.items())[:DEPTH])
    tutorial_seconds = time.perf_counter() - started

    ours, tutorial = score(data.qrels, ours_run), score(data.qrels, tutorial_run)
    return {
        "dataset": data.name,
        "split": split,
        "queries": len(ids),
        "chunks": len(index.chunks),
        "ndcg@10": {"followup_hybrid": ours["ndcg@10"], "tutorial_stack": tutorial["ndcg@10"]},
        "recall@10": {"followup_hybrid": ours["recall@10"], "tutorial_stack": tutorial["recall@10"]},
        "retrieval_ms_per_query_excluding_embedding": {
            "followup_hybrid": ours_seconds / len(ids) * 1000,
            "tutorial_stack": tutorial_seconds / len(ids) * 1000,
        },
        "query_embedding_ms_per_query_batched": embed_seconds / len(ids) * 1000,
        "note": f"both rank {DEPTH * 3} candidates per retriever; a document scores as its best passage",
    }
