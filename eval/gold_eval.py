"""`followup eval --gold`: our own gold questions over an index of our corpus, through the real answerer
(context and approval filter included)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from eval.beir_eval import EvalResult
from eval.datasets import GoldQuestion
from eval.metrics import score
from eval.runner import Run
from index.builder import build_index, corpus_hash
from index.embedder import Embedder
from index.settings import Settings
from index.store import IndexUnavailable, LoadedIndex, load_index
from rag.answer import Answerer
from rag.types import Mode

DEPTH = 100


def cached_corpus_index(corpus_dir: Path, settings: Settings, embedder: Embedder, cache_dir: Path) -> LoadedIndex:
    key = hashlib.sha256(f"{corpus_hash(corpus_dir)}\n{settings.index_fingerprint()}".encode())
    index_dir = cache_dir / f"corpus-{key.hexdigest()[:16]}"
    try:
        return load_index(index_dir)
    except IndexUnavailable:
        pass
    build_index(corpus_dir, index_dir, settings, embedder, embedding_cache=cache_dir / "embeddings.sqlite")
    return load_index(index_dir)


def gold_qrels(questions: list[GoldQuestion], index: LoadedIndex) -> dict[str, dict[str, int]]:
    """Relevant chunk ids per answerable question; an article id stands for all of its chunks."""
    ids = index.chunks.chunk_ids()
    by_article = {article: [ids[row] for row in rows] for article, rows in index.chunks.rows_by_article().items()}
    qrels: dict[str, dict[str, int]] = {}
    for q in questions:
        if q.answerable:
            ids = [cid for rid in q.relevant for cid in by_article.get(rid, [rid])]
            qrels[q.id] = dict.fromkeys(ids, 1)
    return qrels


@dataclass
class GoldRuns:
    runs: dict[str, Run]  # mode → run (context used)
    without_context: Run  # hybrid, context ignored
    similarity: dict[str, float]  # hybrid, question id → best cosine of a served passage


def run_gold(answerer: Answerer, questions: list[GoldQuestion], modes: list[str]) -> GoldRuns:
    runs: dict[str, Run] = {}
    similarity: dict[str, float] = {}
    for mode in modes:
        run: Run = {}
        for q in questions:
            hits, best = answerer.search(
                q.question, article_id=q.article_id, history=q.history, mode=Mode(mode), k=DEPTH
            )
            run[q.id] = {answerer.index.chunks[h.row].chunk_id: h.fused for h in hits}
            if mode == "hybrid":
                similarity[q.id] = best
        runs[mode] = run
    bare: Run = {}
    for q in questions:
        hits, _ = answerer.search(q.question, mode=Mode.HYBRID, k=DEPTH)
        bare[q.id] = {answerer.index.chunks[h.row].chunk_id: h.fused for h in hits}
    return GoldRuns(runs, bare, similarity)


def evaluate_gold(
    path: Path, questions: list[GoldQuestion], modes: list[str], answerer: Answerer
) -> tuple[EvalResult, GoldRuns, dict[str, dict[str, int]]]:
    started = time.perf_counter()
    qrels = gold_qrels(questions, answerer.index)
    gold = run_gold(answerer, questions, modes)
    results = {mode: score(qrels, {q: run[q] for q in qrels}) for mode, run in gold.runs.items()}
    follow_ups = {q.id for q in questions if q.answerable and (q.article_id or q.history)}
    if follow_ups and "hybrid" in gold.runs:
        subset = {q: qrels[q] for q in follow_ups}
        results["hybrid follow-ups, with context"] = score(subset, {q: gold.runs["hybrid"][q] for q in subset})
        results["hybrid follow-ups, without context"] = score(subset, {q: gold.without_context[q] for q in subset})
    result = EvalResult(path.stem, "gold", len(qrels), results, time.perf_counter() - started, gold.runs)
    return result, gold, qrels


def abstention_table(questions: list[GoldQuestion], similarity: dict[str, float], floors: list[float]) -> list[str]:
    """Share of out-of-scope questions abstained and of answerable ones still answered, per floor."""
    answerable = [q.id for q in questions if q.answerable]
    out_of_scope = [q.id for q in questions if not q.answerable]
    lines = ["| floor | out-of-scope abstained | answerable answered |", "|---|---|---|"]
    for floor in floors:
        abstained = sum(similarity[q] < floor for q in out_of_scope) / max(len(out_of_scope), 1)
        answered = sum(similarity[q] >= floor for q in answerable) / max(len(answerable), 1)
        lines.append(f"| {floor:.2f} | {abstained:.1%} | {answered:.1%} |")
    return lines
