"""A corpus of N chunks from the real MedQuAD index: its chunks first, then copies with variation.

Copies keep their article (so articles stay real and approved) and get a new chunk id, a text with about a
seventh of its words dropped (so BM25 statistics are not exact duplicates) and the real embedding plus Gaussian
noise, renormalised (cosine ≈ 0.93 with the original). Only the first 29,620 chunks' vectors come from the model;
the rest are generated, and the output says so.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np
from numpy.typing import NDArray

from corpus.chunking import Chunk
from corpus.model import Article
from index.builder import build_bm25
from index.chunk_table import ChunkTable
from index.dense import DenseIndex, choose_params
from index.settings import IndexSettings
from index.store import (
    ARTICLES,
    CHUNKS,
    DENSE,
    Bm25Params,
    Counts,
    Manifest,
    ModelInfo,
    new_generation_name,
    write_generation,
)
from index.vocabulary import VOCABULARY_FILE, build_vocabulary

NOISE = 0.02  # per dimension; ‖noise‖ ≈ 0.39 for 384-d, so a copy sits at cosine ≈ 0.93 from its original


@dataclass
class Source:
    chunks: list[Chunk]
    articles: list[Article]
    vectors: NDArray[np.float32]
    model: ModelInfo


@dataclass
class Scaled:
    chunks: list[Chunk]
    vectors: NDArray[np.float32]
    real: int  # how many come straight from the model (the rest are generated copies)


@dataclass
class BuildFigures:
    seconds: dict[str, float] = field(default_factory=dict)
    disk_bytes: dict[str, int] = field(default_factory=dict)
    dense: dict[str, object] = field(default_factory=dict)


def load_source(generation: Path) -> Source:
    """Chunks, articles and embeddings of an existing index generation (read only)."""
    manifest = Manifest.model_validate_json((generation / "manifest.json").read_text(encoding="utf-8"))
    chunks = list(ChunkTable.open(generation / CHUNKS))
    articles = [Article.model_validate_json(line) for line in (generation / ARTICLES).read_text("utf-8").splitlines()]
    index = faiss.read_index(str(generation / DENSE))
    vectors = np.vstack(
        [index.reconstruct_n(start, min(8192, index.ntotal - start)) for start in range(0, index.ntotal, 8192)]
    )
    return Source(chunks, articles, vectors.astype(np.float32), manifest.model)


def _vary_text(text: str, rng: np.random.Generator) -> str:
    words = text.split()
    if len(words) < 4:
        return text
    keep = rng.random(len(words)) >= 1 / 7
    return " ".join(w for w, k in zip(words, keep, strict=True) if k) or text


def scale(source: Source, size: int, seed: int = 0) -> Scaled:
    real = min(size, len(source.chunks))
    chunks = list(source.chunks[:real])
    parts = [source.vectors[:real]]
    rng = np.random.default_rng(seed)
    copy = 0
    while len(chunks) < size:
        copy += 1
        take = min(size - len(chunks), len(source.chunks))
        for chunk in source.chunks[:take]:
            chunks.append(
                chunk.model_copy(update={"chunk_id": f"{chunk.chunk_id}~{copy}", "text": _vary_text(chunk.text, rng)})
            )
        noisy = source.vectors[:take] + rng.normal(0, NOISE, (take, source.vectors.shape[1])).astype(np.float32)
        parts.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
    return Scaled(chunks, np.vstack(parts).astype(np.float32), real)


def build(source: Source, scaled: Scaled, index_dir: Path, settings: IndexSettings) -> tuple[Path, BuildFigures]:
    """A real index generation of the scaled corpus (vectors given), timing each part."""
    figures = BuildFigures()
    started = time.perf_counter()
    bm25, lexical_texts = build_bm25(scaled.chunks, settings)  # as `followup index build` builds it
    figures.seconds["bm25"] = time.perf_counter() - started
    started = time.perf_counter()  # the clinical vocabulary, as `followup index build` writes it
    vocabulary = build_vocabulary(lexical_texts, bm25.tokenize) if settings.vocabulary else None
    extra = {VOCABULARY_FILE: vocabulary.to_json()} if vocabulary is not None else {}
    figures.seconds["vocabulary"] = time.perf_counter() - started
    params = choose_params(
        len(scaled.vectors),
        settings.dense_index,
        settings.dense_flat_max,
        settings.dense_nprobe,
        settings.dense_ef_search,
    )
    started = time.perf_counter()
    dense = DenseIndex.build(scaled.vectors, params)
    figures.seconds["faiss"] = time.perf_counter() - started
    figures.dense = params.model_dump()
    used = {c.article_id for c in scaled.chunks}
    articles = [a for a in source.articles if a.id in used]
    manifest = Manifest(
        generation=new_generation_name(),
        created_at=dt.datetime.now(dt.UTC),
        corpus_dir=f"benchmark: {len(scaled.chunks)} chunks ({scaled.real} MedQuAD + copies with variation)",
        corpus_hash="benchmark",
        model=source.model,
        bm25=Bm25Params.from_settings(settings),
        counts=Counts(
            articles_found=len(articles),
            articles_indexed=len(articles),
            articles_not_approved=0,
            chunks=len(scaled.chunks),
            skipped=0,
        ),
        dense=params,
        skipped=[],
        files={},
    )
    started = time.perf_counter()
    directory = write_generation(index_dir, manifest, scaled.chunks, articles, bm25, dense, extra_files=extra)
    figures.seconds["write_and_checksum"] = time.perf_counter() - started
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        part = path.relative_to(directory).parts[0]
        figures.disk_bytes[part] = figures.disk_bytes.get(part, 0) + path.stat().st_size
    figures.disk_bytes["total"] = sum(figures.disk_bytes.values())
    return directory, figures
