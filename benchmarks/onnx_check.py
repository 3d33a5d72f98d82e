"""Is the int8 ONNX query encoder worth it? Its single-question latency against the torch model's, how close its
vectors are, and hybrid/dense nDCG@10 on a BEIR set through the served pipeline with each (passages stay
embedded by the torch model)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.beir_compare import beir_with_index
from benchmarks.timing import load_average, summary, time_calls
from eval.beir_eval import DEPTH, beir_questions
from eval.metrics import score
from eval.runner import document_run, rank_all, served_answerer
from index.embedder import Embedder
from rag.answer import Answerer
from rag.settings import PipelineSettings
from rag.types import Mode

ENCODERS = {"torch": "torch", "onnx_int8": "onnx-int8"}


def _encoder(answerer: Answerer) -> Callable[[str], object]:
    return lambda question: answerer.encode_queries([question])


def compare_encoders(
    folder: Path, split: str, settings: PipelineSettings, embedder: Embedder, cache_dir: Path, limit: int = 0
) -> dict[str, Any]:
    data, index = beir_with_index(folder, split, settings, embedder, cache_dir, limit)
    answerers = {
        name: served_answerer(index, settings.replace(query_encoder=value), embedder)
        for name, value in ENCODERS.items()
    }
    questions = beir_questions(data)
    sample = [q.question for q in questions[:200]]
    latency: dict[str, Any] = {name: summary(time_calls(_encoder(a), sample)) for name, a in answerers.items()}
    latency["load_average"] = load_average()
    texts = [q.question for q in questions]
    vectors = {name: np.vstack([a.encode_queries([t]) for t in texts]) for name, a in answerers.items()}
    cosine = (vectors["torch"] * vectors["onnx_int8"]).sum(axis=1)
    quality = {
        name: {
            mode.value: score(data.qrels, document_run(answerer, rank_all(answerer, questions, mode), DEPTH))["ndcg@10"]
            for mode in (Mode.HYBRID, Mode.DENSE)
        }
        for name, answerer in answerers.items()
    }
    delta = quality["onnx_int8"]["hybrid"] - quality["torch"]["hybrid"]
    faster = latency["onnx_int8"]["p50_ms"] < latency["torch"]["p50_ms"]
    return {
        "dataset": data.name,
        "split": split,
        "queries": len(questions),
        "single_question_latency": latency,
        "cosine_to_torch": {"min": float(cosine.min()), "mean": float(cosine.mean())},
        "ndcg@10": quality,
        "hybrid_ndcg_delta": delta,
        "meets_bar": bool(faster and delta >= -0.005),
        "bar": "faster at p50 and hybrid nDCG@10 no more than 0.005 lower",
    }
