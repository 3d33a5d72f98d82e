"""`followup index build`: corpus folder → chunks of approved articles → BM25 + dense index generation."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from corpus.chunking import Chunk, chunk_article
from corpus.errors import CorpusError
from corpus.loader import article_paths, load_corpus
from index.bm25 import Bm25Index
from index.dense import DenseIndex
from index.embedder import Embedder
from index.settings import Settings
from index.store import (
    Bm25Params,
    Counts,
    Manifest,
    ModelInfo,
    Skipped,
    new_generation_name,
    write_generation,
)

log = logging.getLogger(__name__)


class StrictBuildError(Exception):
    """`--strict` was asked for and some article is invalid."""


@dataclass(frozen=True)
class BuildReport:
    manifest: Manifest
    directory: Path
    seconds: float


def corpus_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in article_paths(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build_index(
    corpus_dir: Path, index_dir: Path, settings: Settings, embedder: Embedder, strict: bool = False
) -> BuildReport:
    """Indexes approved articles only; invalid ones are skipped with a warning (or fatal with `strict`)."""
    started = time.perf_counter()
    loaded = load_corpus(corpus_dir)
    if strict and loaded.errors:
        raise StrictBuildError("; ".join(str(e) for e in loaded.errors))
    for error in loaded.errors:
        log.warning("skipped %s", error)
    approved = [a for a in loaded.articles if a.is_approved]
    chunks: list[Chunk] = []
    for article in approved:
        chunks.extend(chunk_article(article, embedder.count_tokens, embedder.max_tokens))
    vectors = embedder.encode([chunk.embed_text for chunk in chunks])
    bm25 = Bm25Index.build(
        [chunk.lexical_text for chunk in chunks], settings.bm25_method, settings.bm25_k1, settings.bm25_b
    )
    dense = DenseIndex.build(vectors)
    manifest = Manifest(
        generation=new_generation_name(),
        created_at=dt.datetime.now(dt.UTC),
        corpus_dir=str(corpus_dir),
        corpus_hash=corpus_hash(corpus_dir),
        model=ModelInfo(
            name=embedder.name,
            path=str(embedder.model_path),
            dim=embedder.dim,
            max_tokens=embedder.max_tokens,
        ),
        bm25=Bm25Params(method=settings.bm25_method, k1=settings.bm25_k1, b=settings.bm25_b),
        counts=Counts(
            articles_found=len(loaded.articles) + len(loaded.errors),
            articles_indexed=len(approved),
            articles_not_approved=len(loaded.articles) - len(approved),
            chunks=len(chunks),
            skipped=len(loaded.errors),
        ),
        skipped=[Skipped(path=e.path or "", reason=_reason(e)) for e in loaded.errors],
        files={},
    )
    directory = write_generation(index_dir, manifest, chunks, approved, bm25, dense)
    return BuildReport(manifest, directory, time.perf_counter() - started)


def _reason(error: CorpusError) -> str:
    return f"line {error.line}: {error.problem}" if error.line is not None else error.problem
