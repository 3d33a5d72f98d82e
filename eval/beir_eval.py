"""`followup eval --beir`: index a BEIR corpus (cached), run its queries per mode, score documents with ranx."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from eval.datasets import BeirSet
from eval.metrics import score
from eval.runner import FusionVariant, Run, document_run, retrieve_all
from index.builder import build_from_articles
from index.embedder import Embedder
from index.settings import Settings
from index.store import IndexUnavailable, LoadedIndex, load_index
from rag.fusion import Fusion

log = logging.getLogger(__name__)
MODES = ("bm25", "dense", "hybrid")
DEPTH = 100


@dataclass
class EvalResult:
    dataset: str
    split: str
    queries: int
    results: dict[str, dict[str, float]]
    seconds: float
    runs: dict[str, Run] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "split": self.split,
            "queries": self.queries,
            "results": self.results,
            "seconds": round(self.seconds, 1),
        }


def index_cache_key(data: BeirSet, settings: Settings) -> str:
    """Same corpus and index settings (model included) → same cached index."""
    return hashlib.sha256(f"{data.fingerprint()}\n{settings.index_fingerprint()}".encode()).hexdigest()[:16]


def cached_index(data: BeirSet, settings: Settings, embedder: Embedder, cache_dir: Path) -> LoadedIndex:
    index_dir = cache_dir / f"{data.name}-{index_cache_key(data, settings)}"
    try:
        return load_index(index_dir)
    except IndexUnavailable:
        log.info("indexing %d documents of %s into %s", len(data.corpus), data.name, index_dir)
    build_from_articles(
        data.articles(),
        index_dir,
        settings,
        embedder,
        source=data.name,
        source_hash=data.fingerprint(),
        embedding_cache=cache_dir / "embeddings.sqlite",
    )
    return load_index(index_dir)


def default_variant(settings: Settings) -> FusionVariant:
    return FusionVariant(
        settings.fusion, Fusion(settings.fusion), rrf_k=settings.rrf_k, bm25_weight=settings.bm25_weight
    )


def evaluate_beir(
    data: BeirSet,
    split: str,
    modes: list[str],
    settings: Settings,
    embedder: Embedder,
    cache_dir: Path,
    progress: bool = True,
) -> EvalResult:
    started = time.perf_counter()
    index = cached_index(data, settings, embedder, cache_dir)
    # Enough passages that `DEPTH` distinct documents remain after taking each document's best passage.
    hits = retrieve_all(index, embedder, data.queries, max(DEPTH * 3, settings.candidates), progress=progress)
    variant = default_variant(settings)
    runs = {mode: document_run(index, hits, mode, variant, DEPTH) for mode in modes}
    results = {mode: score(data.qrels, run) for mode, run in runs.items()}
    return EvalResult(data.name, split, len(data.queries), results, time.perf_counter() - started, runs)


def write_trec_run(run: Run, path: Path, tag: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for qid, docs in run.items():
            for rank, (doc, value) in enumerate(sorted(docs.items(), key=lambda d: -d[1]), start=1):
                handle.write(f"{qid} Q0 {doc} {rank} {value:.6f} {tag}\n")
