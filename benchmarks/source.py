"""The real MedQuAD chunks a benchmark starts from, built here from the shared data set on first use.

Only as many MedQuAD documents as the run needs are indexed (the first ones giving N chunks; all 5,486 past
29,620 chunks), and every embedding goes through one cache in the work folder, so a larger run later embeds only
the chunks it adds and a repeated run embeds nothing. Embedding is the slow part: ~20–35 chunks/s on 2 cores.
"""

from __future__ import annotations

import logging
from pathlib import Path

from corpus.chunking import chunk_article
from corpus.medquad import read_medquad
from corpus.model import Article
from index.builder import ArticleSource
from index.embedder import Embedder
from index.store import Bm25Params, IndexUnavailable, Manifest, current_generation
from rag.building import build_index
from rag.settings import PipelineSettings

log = logging.getLogger("benchmarks")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MEDQUAD = SHARED_DATA / "medquad" / "medquad.jsonl.gz"
MEDQUAD_BEIR = SHARED_DATA / "medquad-beir"
EMBEDDING_CACHE = "embeddings.sqlite"


def first_articles(medquad: Path, chunks: int, embedder: Embedder) -> list[Article]:
    """The first MedQuAD documents, as articles, that chunk into at least `chunks` chunks (or all of them)."""
    articles: list[Article] = []
    found = 0
    for article in read_medquad(medquad):
        articles.append(article)
        found += len(chunk_article(article, embedder.count_tokens, embedder.max_tokens))
        if found >= chunks:
            break
    return articles


def source_generation(medquad: Path, work: Path, chunks: int, settings: PipelineSettings, embedder: Embedder) -> Path:
    """An index generation of the first MedQuAD documents giving `chunks` real chunks; reused when it exists."""
    if not medquad.is_file():
        raise FileNotFoundError(
            f"no MedQuAD data at {medquad}: give --medquad PATH (medquad.jsonl.gz) or --source INDEX_DIR"
        )
    articles = first_articles(medquad, chunks, embedder)
    index_dir = work / f"medquad-{len(articles)}-documents"
    try:
        generation = current_generation(index_dir)
        manifest = Manifest.model_validate_json((generation / "manifest.json").read_text(encoding="utf-8"))
        built_alike = manifest.bm25 == Bm25Params.from_settings(settings.index)
        if manifest.model.path == str(embedder.model_path) and built_alike:
            log.info("reusing the source index %s", generation)
            return generation
    except (IndexUnavailable, OSError, ValueError):
        pass
    log.info("building the source index: %d MedQuAD documents into %s", len(articles), index_dir)
    source = ArticleSource(articles, str(medquad), f"medquad: first {len(articles)} documents")
    report = build_index(source, index_dir, settings, embedder, embedding_cache=work / EMBEDDING_CACHE)
    log.info("source index built: %d chunks embedded, %d from cache", report.embedded, report.embeddings_cached)
    return report.directory
