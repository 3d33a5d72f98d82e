"""nDCG@10 of Followup and of the tutorial stack on a BEIR set (medquad-beir dev), same chunks, same embeddings.

Followup ranks through the served pipeline (eval.runner: `Answerer.search`, the served query encoder); the
tutorial stack ranks the same chunks of the same cached index with the same question vectors, documents by their
best passage too.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.baselines import TutorialStack
from eval.beir_eval import DEPTH, beir_questions, cached_index
from eval.datasets import BeirSet, load_beir
from eval.metrics import score
from eval.runner import Run, document_run, rank_all, served_answerer
from index.embedder import Embedder
from index.store import LoadedIndex
from rag.settings import PipelineSettings
from rag.types import Mode


def beir_with_index(
    folder: Path, split: str, settings: PipelineSettings, embedder: Embedder, cache_dir: Path, limit: int = 0
) -> tuple[BeirSet, LoadedIndex]:
    """A BEIR split (its first `limit` queries, if given) and the evaluation harness's cached index of it."""
    data = load_beir(folder, split)
    if limit:
        data = data.limited(limit)
    return data, cached_index(data, settings, embedder, cache_dir)


def compare_on_beir(
    folder: Path, split: str, settings: PipelineSettings, embedder: Embedder, cache_dir: Path, limit: int = 0
) -> dict[str, object]:
    data, index = beir_with_index(folder, split, settings, embedder, cache_dir, limit)
    answerer = served_answerer(index, settings, embedder)
    questions = beir_questions(data)
    started = time.perf_counter()
    vectors = np.vstack([answerer.encode_queries([q.question]) for q in questions])
    embed_seconds = time.perf_counter() - started

    started = time.perf_counter()
    ours_run = document_run(answerer, rank_all(answerer, questions, Mode.HYBRID), DEPTH)
    ours_seconds = time.perf_counter() - started - embed_seconds  # rank_all embeds the questions again

    header = settings.index.bm25_header == "question_and_section"
    stack = TutorialStack(
        [c.lexical_text(header) for c in index.chunks], index.dense.vectors(list(range(index.dense.size))), embedder
    )
    candidates = settings.retrieval.candidates
    started = time.perf_counter()
    tutorial_run: Run = {}
    for q, vector in zip(questions, vectors, strict=True):
        ranked: dict[str, float] = {}
        for row, value in stack.search_vector(q.question, vector, k=candidates, candidates=candidates):
            ranked.setdefault(index.chunks[row].article_id, value)
        tutorial_run[q.id] = dict(list(ranked.items())[:DEPTH])
    tutorial_seconds = time.perf_counter() - started

    ours, tutorial = score(data.qrels, ours_run), score(data.qrels, tutorial_run)
    return {
        "dataset": data.name,
        "split": split,
        "queries": len(questions),
        "chunks": len(index.chunks),
        "ndcg@10": {"followup_hybrid": ours["ndcg@10"], "tutorial_stack": tutorial["ndcg@10"]},
        "recall@10": {"followup_hybrid": ours["recall@10"], "tutorial_stack": tutorial["recall@10"]},
        "retrieval_ms_per_query_excluding_embedding": {
            "followup_hybrid": max(ours_seconds, 0.0) / len(questions) * 1000,
            "tutorial_stack": tutorial_seconds / len(questions) * 1000,
        },
        "query_embedding_ms_per_query": embed_seconds / len(questions) * 1000,
        "note": f"both rank {candidates} candidates per retriever; a document scores as its best passage; "
        "Followup's time includes answerability and the approval filter",
    }
