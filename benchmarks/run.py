"""The stages of one benchmark run; each stage's figures are saved as soon as they exist (a long run cut short
still leaves what it measured)."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import psutil

from benchmarks import scale
from benchmarks.baselines import TutorialStack, compare_bm25
from benchmarks.source import MEDQUAD_BEIR, source_generation
from benchmarks.throughput import encoder_limit
from benchmarks.timing import Server, http_load, load_average, summary, time_calls
from eval.datasets import load_beir
from index.dense import DenseIndex, choose_params
from index.embedder import Embedder
from index.store import current_generation, load_index
from index.threads import use_threads_per_query
from rag.answer import Answerer
from rag.language.bm25_query import Bm25Queries
from rag.settings import PipelineSettings
from rag.types import Mode

log = logging.getLogger("benchmarks")
MODES = (Mode.HYBRID, Mode.BM25, Mode.DENSE)
MEDQUAD_CHUNKS = 29_620  # all of MedQuAD; past it the benchmark adds varied copies (benchmarks/scale.py)


def _questions(beir: Path, count: int, source: scale.Source | None = None) -> list[str]:
    """medquad-beir dev questions; without that folder, the section questions of the source articles."""
    if beir.is_dir() or source is None:
        return list(load_beir(beir, "dev").queries.values())[:count]
    log.info("no %s: timing with the source articles' own section questions", beir)
    return [section.title for article in source.articles for section in article.sections][:count]


def _recall_at_10(approximate: DenseIndex, exact: faiss.Index, queries: np.ndarray) -> float:
    _, truth = exact.search(queries, 10)
    found = [
        len({r for r, _ in approximate.search(q, 10)} & set(row.tolist())) / 10
        for q, row in zip(queries, truth, strict=True)
    ]
    return float(np.mean(found))


def _save(args: argparse.Namespace, result: dict[str, Any]) -> None:
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")


def run_size(args: argparse.Namespace, result: dict[str, Any]) -> dict[str, Any]:
    settings = PipelineSettings()
    figures: dict[str, Any] = {"chunks": args.chunks}
    result["size"] = figures
    embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
    started = time.perf_counter()
    if args.source is not None:
        source_dir = current_generation(args.source)
    else:
        real = min(args.chunks, args.real_chunks or MEDQUAD_CHUNKS, MEDQUAD_CHUNKS)
        source_dir = source_generation(args.medquad, args.work, real, settings, embedder)
    figures["source_index_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    source = scale.load_source(source_dir)
    scaled = scale.scale(source, args.chunks)
    figures["corpus"] = {
        "chunks": len(scaled.chunks),
        "real_medquad_chunks": scaled.real,
        "generated_copies": len(scaled.chunks) - scaled.real,
        "note": (
            "all chunks are real MedQuAD chunks with real model embeddings"
            if scaled.real == len(scaled.chunks)
            else f"{scaled.real} real MedQuAD chunks (model embeddings) + {len(scaled.chunks) - scaled.real} copies "
            f"with ~1/7 of words dropped and GENERATED embeddings (real vector + N(0, {scale.NOISE}) noise, "
            "renormalised); articles are the real MedQuAD articles"
        ),
        "prepare_s": round(time.perf_counter() - started, 1),
    }
    log.info("corpus ready: %s", figures["corpus"]["note"])

    index_dir = args.work / f"{args.chunks}"
    shutil.rmtree(index_dir, ignore_errors=True)
    directory, build = scale.build(source, scaled, index_dir, settings.index)
    figures["build"] = {"seconds": build.seconds, "disk_bytes": build.disk_bytes, "dense_index": build.dense}
    log.info("built %s: %s", directory, figures["build"])
    _save(args, result)

    sample = [c.embed_text for c in source.chunks[:256]]
    embedder.encode(sample[:16])
    started = time.perf_counter()
    embedder.encode(sample)
    rate = len(sample) / (time.perf_counter() - started)
    figures["build"]["embedding"] = {
        "chunks_per_s": round(rate, 1),
        "batch_size": settings.index.embed_batch_size,
        "measured_on": f"{len(sample)} real MedQuAD chunks",
        "projected_s_for_all_chunks": round(args.chunks / rate, 0),
    }

    questions = _questions(args.beir or MEDQUAD_BEIR, args.queries, source)
    query_vectors = embedder.encode(questions)
    figures["load_average_before_latency"] = load_average()

    # Recall of the approximate index against exact search: on the 29,620 real embeddings, and on this corpus.
    use_threads_per_query(settings.retrieval.query_threads)
    real = source.vectors
    exact_real = faiss.IndexFlatIP(real.shape[1])
    exact_real.add(real)
    figures["recall_at_10_vs_exact"] = {}
    for kind in ("hnsw_sq8", "ivf_sq8"):
        approximate = DenseIndex.build(real, choose_params(len(real), kind, ef_search=settings.index.dense_ef_search))
        figures["recall_at_10_vs_exact"][f"real_medquad_embeddings_{kind}"] = {
            "vectors": len(real),
            "params": approximate.params.model_dump(),
            "recall@10": _recall_at_10(approximate, exact_real, query_vectors),
            "queries": len(questions),
        }
    del exact_real, approximate

    _in_process(args, result, settings, index_dir, scaled, embedder, questions, query_vectors)
    del scaled, source
    gc.collect()
    figures["http"] = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        figures["http"][f"workers_{workers}"] = _http(args, index_dir, workers, questions)
        _save(args, result)
    return figures


def _in_process(
    args: argparse.Namespace,
    result: dict[str, Any],
    settings: PipelineSettings,
    index_dir: Path,
    scaled: scale.Scaled,
    embedder: Embedder,
    questions: list[str],
    query_vectors: np.ndarray,
) -> None:
    figures = result["size"]
    loaded_started = time.perf_counter()
    rss_before = psutil.Process().memory_info().rss
    index = load_index(index_dir)
    figures["in_process_load"] = {
        "seconds": round(time.perf_counter() - loaded_started, 2),
        "rss_growth_mb": round((psutil.Process().memory_info().rss - rss_before) / 1e6, 1),
    }
    if index.dense.params.kind != "flat":
        exact = faiss.IndexFlatIP(scaled.vectors.shape[1])
        exact.add(scaled.vectors)
        figures["recall_at_10_vs_exact"]["this_corpus"] = {
            "vectors": index.dense.size,
            "params": index.dense.params.model_dump(),
            "recall@10": _recall_at_10(index.dense, exact, query_vectors),
            "note": "queries are real dev questions; past 29,620 the vectors are generated",
        }
        del exact
    _save(args, result)

    answerer = Answerer(index, embedder, settings.retrieval, settings.related)
    embed_times = time_calls(lambda q: embedder.encode([q]), questions)
    in_process: dict[str, Any] = {"query_embedding": summary(embed_times)}
    for mode in MODES:
        times = time_calls(lambda q, m=mode: answerer.ask(q, mode=m), questions)  # type: ignore[misc]
        in_process[mode.value] = summary(times)
        in_process[mode.value]["overhead_above_embedding_p50_ms"] = (
            in_process[mode.value]["p50_ms"] - in_process["query_embedding"]["p50_ms"]
        )
    bm25_queries = Bm25Queries(index.bm25.tokenize, index.bm25.answer_types)  # as served, less the vocabulary
    depth = settings.retrieval.candidates
    in_process["bm25_search_only"] = summary(
        time_calls(lambda q: index.bm25.search(bm25_queries(q).terms, depth), questions)
    )
    in_process["dense_search_only"] = summary(
        time_calls(lambda q: index.dense.search(query_vectors[questions.index(q)], depth), questions)
    )
    in_process["load_average"] = load_average()
    figures["in_process"] = in_process
    log.info("in-process: %s", {k: v.get("p50_ms") for k, v in in_process.items() if isinstance(v, dict)})
    _save(args, result)

    header = settings.index.bm25_header == "question_and_section"
    baseline_queries = questions[: args.baseline_queries]
    if args.chunks <= args.rank_bm25_max:
        texts = [c.lexical_text(header) for c in scaled.chunks]
        figures["rank_bm25_vs_ours"] = compare_bm25(texts, index.bm25, index.bm25.tokenize, baseline_queries)
        figures["rank_bm25_vs_ours"]["load_average"] = load_average()
        log.info("rank_bm25 vs ours: %s", figures["rank_bm25_vs_ours"])
        _save(args, result)
        stack = TutorialStack(texts, scaled.vectors, embedder)
        del texts
        tutorial = summary(time_calls(lambda q: stack.search(q, 10), baseline_queries))
        ours = summary(time_calls(lambda q: answerer.ask(q, top_k=10), baseline_queries))
        figures["tutorial_stack_vs_followup_in_process"] = {
            "queries": len(baseline_queries),
            "tutorial_stack": tutorial,
            "followup_hybrid": ours,
            "latency_ratio_p50": tutorial["p50_ms"] / ours["p50_ms"],
            "load_average": load_average(),
            "note": "same queries, same model and embeddings, same process (faiss at 1 thread for both)",
        }
        del stack
        gc.collect()
        log.info("tutorial vs followup: %s", figures["tutorial_stack_vs_followup_in_process"])
    else:
        figures["rank_bm25_vs_ours"] = {"skipped": f"rank_bm25 not run past {args.rank_bm25_max} chunks (memory)"}
    _save(args, result)


def _http(args: argparse.Namespace, index_dir: Path, workers: int, questions: list[str]) -> dict[str, Any]:
    log_path = args.work / f"server-{args.chunks}-{workers}.log"
    limit = encoder_limit(questions)  # before the server starts: its loading would slow the encoder being timed
    started = time.perf_counter()
    server = Server.start(index_dir, workers, log_path)
    out: dict[str, Any] = {"startup_s": round(time.perf_counter() - started, 1), "memory_after_start": server.memory()}
    out["encoder_limit"] = asdict(limit)
    try:
        for concurrency in [int(c) for c in args.concurrency.split(",")]:
            modes = MODES if concurrency == 1 else (Mode.HYBRID,)
            for mode in modes:
                requests = args.requests if concurrency > 1 else min(args.requests, len(questions))
                figures = http_load(server.url, questions, mode.value, concurrency, requests)
                figures["load_average"] = load_average()  # type: ignore[assignment]
                if mode is Mode.HYBRID and concurrency > 1:
                    log.info("share of the encoder's limit: %.2f", figures["rps"] / limit.requests_per_s)
                out[f"{mode.value}_c{concurrency}"] = figures
                log.info("http workers=%d %s c=%d: %s", workers, mode.value, concurrency, figures)
        out["memory_after_load"] = server.memory()
    finally:
        server.stop()
    return out


def run_beir(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.beir_compare import compare_on_beir

    settings = PipelineSettings()
    embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
    use_threads_per_query(settings.retrieval.query_threads)
    started = time.perf_counter()
    figures = compare_on_beir(args.beir, "dev", settings, embedder, args.cache_dir, args.beir_limit)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["load_average"] = load_average()
    return figures


def run_onnx_check(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.onnx_check import compare_encoders

    settings = PipelineSettings()
    embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
    use_threads_per_query(settings.retrieval.query_threads)
    return compare_encoders(args.beir, "dev", settings, embedder, args.cache_dir, args.beir_limit)
