"""Is the int8 ONNX query encoder worth it? Its single-question latency against the torch model's, how close its
vectors are, and hybrid/dense nDCG@10 on a BEIR set with each (passages stay embedded by the torch model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.beir_compare import beir_with_index
from benchmarks.timing import load_average, summary, time_calls
from eval.beir_eval import DEPTH, default_variant
from eval.metrics import score
from eval.runner import QueryHits, document_run
from index.embedder import Embedder
from index.onnx_encoder import OnnxQueryEncoder, QueryEncoder, packaged_onnx_path
from index.settings import Settings
from rag.retrievers import Bm25Retriever, DenseRetriever


def _encode(encoder: QueryEncoder, texts: list[str], batch: int = 64) -> np.ndarray:
    return np.vstack([encoder(texts[start : start + batch]) for start in range(0, len(texts), batch)])


def compare_encoders(
    folder: Path, split: str, settings: Settings, embedder: Embedder, cache_dir: Path, limit: int = 0
) -> dict[str, Any]:
    data, index = beir_with_index(folder, split, settings, embedder, cache_dir, limit)
    onnx = OnnxQueryEncoder(packaged_onnx_path(), settings.resolved_model_path(), threads=settings.query_threads)
    ids = list(data.queries)
    texts = [data.queries[q] for q in ids]
    sample = texts[:200]
    latency = {
        "torch": summary(time_calls(lambda q: embedder.encode([q]), sample)),
        "onnx_int8": summary(time_calls(lambda q: onnx.encode([q]), sample)),
    }
    latency["load_average"] = load_average()  # type: ignore[assignment]
    vectors = {"torch": _encode(embedder.encode, texts), "onnx_int8": _encode(onnx.encode, texts)}
    cosine = (vectors["torch"] * vectors["onnx_int8"]).sum(axis=1)
    bm25, dense = Bm25Retriever(index.bm25), DenseRetriever(index.dense, embedder)
    candidates = max(DEPTH * 3, settings.candidates)
    lexical = {qid: bm25.search(text, candidates) for qid, text in zip(ids, texts, strict=True)}
    quality: dict[str, dict[str, float]] = {}
    for name, matrix in vectors.items():
        hits = {
            qid: QueryHits.searched(lexical[qid], dense.search_vector(vector, candidates), candidates)
            for qid, vector in zip(ids, matrix, strict=True)
        }
        quality[name] = {
            mode: score(data.qrels, document_run(index, hits, mode, default_variant(settings), DEPTH))["ndcg@10"]
            for mode in ("hybrid", "dense")
        }
    delta = quality["onnx_int8"]["hybrid"] - quality["torch"]["hybrid"]
    faster = latency["onnx_int8"]["p50_ms"] < latency["torch"]["p50_ms"]
    return {
        "dataset": data.name,
        "split": split,
        "queries": len(ids),
        "single_question_latency": latency,
        "cosine_to_torch": {"min": float(cosine.min()), "mean": float(cosine.mean())},
        "ndcg@10": quality,
        "hybrid_ndcg_delta": delta,
        "meets_bar": bool(faster and delta >= -0.005),
        "bar": "faster at p50 and hybrid nDCG@10 no more than 0.005 lower",
    }
