"""`followup index build`: corpus folder → chunks of every valid article → BM25 + dense index generation.

Articles of every review status are embedded and stored, so an admin can approve or retract one without a
rebuild; what is served is decided at query time by `rag.servable` (approved articles only, after overrides).
BM25 covers the chunks of articles approved in the corpus only: its term statistics (IDF, average length) then
describe what is served, not drafts. An article approved by an override is found by dense retrieval until a
build whose corpus approves it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.chunking import Chunk, chunk_article
from corpus.errors import CorpusError
from corpus.loader import article_paths, load_corpus
from corpus.model import Article
from corpus.progress import progress
from index.article_index import ArticleIndex
from index.bm25 import Bm25Index
from index.chunk_table import ChunkTable
from index.dense import DenseIndex, choose_params
from index.embed_cache import EmbeddingCache, Encoder
from index.embedder import Embedder
from index.faults import crash_point
from index.settings import Settings
from index.store import (
    Bm25Params,
    Counts,
    LoadedIndex,
    Manifest,
    ModelInfo,
    Skipped,
    new_generation_name,
    write_generation,
)
from index.vocabulary import VOCABULARY_FILE, build_vocabulary

log = logging.getLogger(__name__)

EMBEDDING_CACHE = "embeddings.sqlite"


class StrictBuildError(Exception):
    """`--strict` was asked for and some article is invalid."""


# Trains what is learnt from a built index (the answerability model, rag/building.py) before it is published:
# file name → content, written into the generation and checksummed with the rest.
ArtifactHook = Callable[[LoadedIndex], dict[str, bytes]]


@dataclass(frozen=True)
class BuildReport:
    manifest: Manifest
    directory: Path
    seconds: float
    embedded: int
    embeddings_cached: int


def corpus_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in article_paths(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    settings: Settings,
    embedder: Embedder,
    strict: bool = False,
    embedding_cache: Path | None = None,
    learn: ArtifactHook | None = None,
    encoder: Encoder | None = None,
) -> BuildReport:
    """Indexes the articles of a folder; invalid ones are skipped with a warning (or fatal with `strict`).

    `encoder` embeds the texts the cache has not seen (default: `embedder` in this process; `RayEncoder`: on a
    Ray cluster); `embedder` still counts word pieces for chunking and names the model in the manifest.
    """
    loaded = load_corpus(corpus_dir)
    crash_point("corpus-loaded")
    if strict and loaded.errors:
        raise StrictBuildError("; ".join(str(e) for e in loaded.errors))
    for error in loaded.errors:
        log.warning("skipped %s", error)
    skipped = [Skipped(path=e.path or "", reason=_reason(e)) for e in loaded.errors]
    return build_from_articles(
        loaded.articles,
        index_dir,
        settings,
        embedder,
        source=str(corpus_dir),
        source_hash=corpus_hash(corpus_dir),
        skipped=skipped,
        embedding_cache=embedding_cache,
        learn=learn,
        encoder=encoder,
    )


def build_bm25(chunks: Sequence[Chunk], settings: Settings) -> tuple[Bm25Index, list[str]]:
    """BM25 over the chunks as the settings say, and the texts it read (the clinical vocabulary is built from them).
    Answer types are read from each claim without its header (index/answer_types.py)."""
    texts = [chunk.lexical_text(settings.bm25_header == "question_and_section") for chunk in chunks]
    bm25 = Bm25Index.build(
        texts,
        settings.bm25_method,
        settings.bm25_k1,
        settings.bm25_b,
        settings.bm25_stopwords,
        settings.bm25_stem,
        settings.bm25_answer_types,
        claims=[chunk.text for chunk in chunks],
        normalize=settings.bm25_normalize,
    )
    return bm25, texts


def build_from_articles(
    articles: list[Article],
    index_dir: Path,
    settings: Settings,
    embedder: Embedder,
    *,
    source: str,
    source_hash: str,
    skipped: list[Skipped] | None = None,
    embedding_cache: Path | None = None,
    learn: ArtifactHook | None = None,
    encoder: Encoder | None = None,
) -> BuildReport:
    """Chunks, embeds (through the cache) and indexes `articles`, whatever their review status."""
    started = time.perf_counter()
    skipped = skipped or []
    approved = [a for a in articles if a.is_approved]
    chunks: list[Chunk] = []
    for article in progress(articles, len(articles), "chunk", "articles"):
        chunks.extend(chunk_article(article, embedder.count_tokens, embedder.max_tokens))
    cache_path = embedding_cache or index_dir / EMBEDDING_CACHE
    cache = EmbeddingCache(cache_path, f"{embedder.model_path}:{embedder.dim}", embedder.dim)
    encode = encoder or embedder.encode
    batch = None if encoder is not None else 1024  # an outside encoder (Ray) splits the work across its actors
    try:
        vectors = cache.encode([chunk.embed_text for chunk in chunks], encode, batch)
        embedded, cached = cache.misses, cache.hits
        article_index = ArticleIndex.build(  # every article, like the chunks: servability is decided at query time
            articles,
            lambda texts: cache.encode(texts, encode, batch, desc="embed articles"),
            method=settings.bm25_method,
            k1=settings.bm25_k1,
            b=settings.related_bm25_b,
            stopwords=settings.bm25_stopwords,
            stem=settings.bm25_stem,
            normalize=settings.bm25_normalize,
        )
    finally:
        cache.close()
    log.info("embedded %d new chunk texts, %d from cache", embedded, cached)
    crash_point("embedded")
    approved_ids = {a.id for a in approved}
    lexical_rows = [row for row, chunk in enumerate(chunks) if chunk.article_id in approved_ids]
    bm25, lexical_texts = build_bm25([chunks[row] for row in lexical_rows], settings)
    dense = DenseIndex.build(
        vectors,
        choose_params(
            len(vectors), settings.dense_index, settings.dense_flat_max, settings.dense_nprobe, settings.dense_ef_search
        ),
    )
    manifest = Manifest(
        generation=new_generation_name(),
        created_at=dt.datetime.now(dt.UTC),
        corpus_dir=source,
        corpus_hash=source_hash,
        model=ModelInfo(
            name=embedder.name, path=str(embedder.model_path), dim=embedder.dim, max_tokens=embedder.max_tokens
        ),
        bm25=Bm25Params.from_settings(settings),
        counts=Counts(
            articles_found=len(articles) + len(skipped),
            articles_indexed=len(articles),
            articles_not_approved=len(articles) - len(approved),
            chunks=len(chunks),
            skipped=len(skipped),
        ),
        dense=dense.params,
        skipped=skipped,
        files={},
    )
    # From what BM25 reads, so its alternatives are words the served corpus says.
    vocabulary = build_vocabulary(lexical_texts, bm25.tokenize) if settings.vocabulary else None
    extra = {VOCABULARY_FILE: vocabulary.to_json()} if vocabulary is not None else {}
    bm25_rows = None if len(lexical_rows) == len(chunks) else lexical_rows
    if learn is not None:
        chunk_table, by_id = ChunkTable.of(chunks), {a.id: a for a in articles}
        built = LoadedIndex(index_dir, manifest, chunk_table, by_id, bm25, dense, bm25_rows, vocabulary=vocabulary)
        extra |= learn(built)
    directory = write_generation(
        index_dir, manifest, chunks, articles, bm25, dense, bm25_rows, article_index, extra_files=extra
    )
    return BuildReport(manifest, directory, time.perf_counter() - started, embedded, cached)


def _reason(error: CorpusError) -> str:
    return f"line {error.line}: {error.problem}" if error.line is not None else error.problem
