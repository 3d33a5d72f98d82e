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
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
from index.medical_names import MENTIONS_FILE, Mentions, build_mentions
from index.settings import IndexSettings
from index.store import (
    Bm25Params,
    Counts,
    IndexUnavailable,
    LoadedIndex,
    Manifest,
    ModelInfo,
    Skipped,
    current_generation,
    generations,
    new_generation_name,
    read_artifacts,
    write_generation,
)
from index.vocabulary import VOCABULARY_FILE, VOCABULARY_VERSION, Vocabulary, build_vocabulary, source_versions

log = logging.getLogger(__name__)

EMBEDDING_CACHE = "embeddings.sqlite"


class StrictBuildError(Exception):
    """`--strict` was asked for and some article is invalid."""


# What a build keeps of each stage it may skip: the file naming, per derived artifact, the inputs it came from.
DERIVED = "derived.json"


@dataclass(frozen=True)
class Learner:
    """What is learnt from a built index before it is published (the answerability model, rag/building.py): file
    name → content, written into the generation and checksummed with the rest. `key` names everything besides the
    index that shapes what it learns (its settings, its training version, calibration files), so a rebuild whose
    index and key are those of a kept generation reuses its files instead of learning them again."""

    name: str
    key: str
    learn: Callable[[LoadedIndex], dict[str, bytes]]


@dataclass(frozen=True)
class ArticleSource:
    """Articles to index and where they came from (a corpus folder, or a data set read by eval/benchmarks)."""

    articles: list[Article]
    source: str
    source_hash: str
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class BuildReport:
    manifest: Manifest
    directory: Path
    seconds: float
    embedded: int
    embeddings_cached: int
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, in the order they ran
    reused: tuple[str, ...] = ()  # stages whose output was taken from a kept generation (same inputs)

    def stage_line(self) -> str:
        """Each stage's seconds, for the build's output: `chunk 0.3s · … · answerability 0.0s (reused)`."""
        return " · ".join(
            f"{name} {seconds:.1f}s" + (" (reused)" if name in self.reused else "")
            for name, seconds in self.stages.items()
        )


class _Stages:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        self._last = now


def corpus_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in article_paths(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load_articles(corpus_dir: Path, strict: bool = False) -> ArticleSource:
    """The valid articles of a folder; invalid ones are skipped with a warning (or fatal with `strict`)."""
    loaded = load_corpus(corpus_dir)
    crash_point("corpus-loaded")
    if strict and loaded.errors:
        raise StrictBuildError("; ".join(str(e) for e in loaded.errors))
    for error in loaded.errors:
        log.warning("skipped %s", error)
    skipped = [Skipped(path=e.path or "", reason=_reason(e)) for e in loaded.errors]
    return ArticleSource(loaded.articles, str(corpus_dir), corpus_hash(corpus_dir), skipped)


def build_bm25(chunks: Sequence[Chunk], settings: IndexSettings) -> tuple[Bm25Index, list[str]]:
    """BM25 over the chunks as the settings say, and the texts it read (the clinical vocabulary is built from them).
    Answer types are read from each claim without its header (index/answer_types.py)."""
    texts = [_lexical_text(chunk, settings) for chunk in chunks]
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


def _lexical_text(chunk: Chunk, settings: IndexSettings) -> str:
    return chunk.lexical_text(settings.bm25_header == "question_and_section")


def _lexical_texts_by_article(chunks: Sequence[Chunk], settings: IndexSettings) -> dict[str, list[str]]:
    """Each article's chunks as BM25 would read them, whatever the article's review status."""
    texts: dict[str, list[str]] = {}
    for chunk in chunks:
        texts.setdefault(chunk.article_id, []).append(_lexical_text(chunk, settings))
    return texts


def write_index(
    source: ArticleSource,
    index_dir: Path,
    settings: IndexSettings,
    embedder: Embedder,
    *,
    embedding_cache: Path | None = None,
    learner: Learner | None = None,
    encoder: Encoder | None = None,
) -> BuildReport:
    """Chunks, embeds (through the cache) and indexes the articles, whatever their review status, then learns
    from the built index and publishes the generation. Used through `rag.building.build_index`.

    `encoder` embeds the texts the cache has not seen (default: `embedder` in this process; `RayEncoder`: on a
    Ray cluster); `embedder` still counts word pieces for chunking and names the model in the manifest."""
    started = time.perf_counter()
    stages = _Stages()
    articles, skipped = source.articles, source.skipped
    approved = [a for a in articles if a.is_approved]
    chunks: list[Chunk] = []
    for article in progress(articles, len(articles), "chunk", "articles"):
        chunks.extend(chunk_article(article, embedder.count_tokens, embedder.max_tokens))
    stages.done("chunk")
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
    stages.done("embed")
    approved_ids = {a.id for a in approved}
    lexical_rows = [row for row, chunk in enumerate(chunks) if chunk.article_id in approved_ids]
    bm25, lexical_texts = build_bm25([chunks[row] for row in lexical_rows], settings)
    stages.done("bm25")
    dense = DenseIndex.build(
        vectors,
        choose_params(
            len(vectors), settings.dense_index, settings.dense_flat_max, settings.dense_nprobe, settings.dense_ef_search
        ),
    )
    stages.done("dense")
    manifest = Manifest(
        generation=new_generation_name(),
        created_at=dt.datetime.now(dt.UTC),
        corpus_dir=source.source,
        corpus_hash=source.source_hash,
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
    earlier = _derived_of_kept(index_dir)
    derived: dict[str, _Derived] = {}
    reused: list[str] = []
    extra: dict[str, bytes] = {}
    vocabulary = mentions = None
    if settings.vocabulary:
        # From what BM25 reads, so its alternatives are words the served corpus says; the medical names each article
        # mentions from every article's text, since any may be approved or retracted before the next build.
        every_text = _lexical_texts_by_article(chunks, settings)
        articles_read = [f"{a}\n" + "\n".join(texts) for a, texts in sorted(every_text.items())]
        key = _digest(
            str(VOCABULARY_VERSION), json.dumps(source_versions()), bm25.tokenize.key, *lexical_texts, *articles_read
        )
        files = earlier.reuse("vocabulary", key)
        if files is None:
            files = {
                VOCABULARY_FILE: build_vocabulary(lexical_texts, bm25.tokenize).to_json(),
                MENTIONS_FILE: build_mentions(every_text, bm25.tokenize).to_json(),
            }
        else:
            reused.append("vocabulary")
        vocabulary = Vocabulary.from_json(files[VOCABULARY_FILE])
        mentions = Mentions.from_json(files[MENTIONS_FILE])
        extra |= files
        derived["vocabulary"] = _Derived(key, sorted(files))
        stages.done("vocabulary")
    bm25_rows = None if len(lexical_rows) == len(chunks) else lexical_rows
    if learner is not None:
        key = _digest(
            learner.key,
            *(a.model_dump_json() for a in sorted(articles, key=lambda a: a.id)),
            manifest.model.model_dump_json(),
            manifest.bm25.model_dump_json(),
            manifest.dense.model_dump_json(),
            *(extra[name].decode() for name in sorted(extra)),
        )
        files = earlier.reuse(learner.name, key)
        if files is None:
            chunk_table, by_id = ChunkTable.of(chunks), {a.id: a for a in articles}
            built = LoadedIndex(
                index_dir,
                manifest,
                chunk_table,
                by_id,
                bm25,
                dense,
                bm25_rows,
                vocabulary=vocabulary,
                mentions=mentions,
            )
            files = learner.learn(built)
        else:
            reused.append(learner.name)
        extra |= files
        derived[learner.name] = _Derived(key, sorted(files))
        stages.done(learner.name)
    extra[DERIVED] = json.dumps({name: d.__dict__ for name, d in derived.items()}, indent=2).encode()
    directory = write_generation(
        index_dir, manifest, chunks, articles, bm25, dense, bm25_rows, article_index, extra_files=extra
    )
    stages.done("write")
    seconds = time.perf_counter() - started
    return BuildReport(manifest, directory, seconds, embedded, cached, stages.seconds, tuple(reused))


@dataclass(frozen=True)
class _Derived:
    key: str
    files: list[str]


@dataclass(frozen=True)
class _Earlier:
    """The kept generations' records of what they derived (the current one first), with the inputs each came
    from: an article retracted and approved again is back to what the generation before learnt."""

    generations: list[tuple[Path, dict[str, _Derived]]]

    def reuse(self, stage: str, key: str) -> dict[str, bytes] | None:
        """The files of the newest kept generation that derived `stage` from inputs named `key`, each checked
        against its manifest checksum (a corrupted file is never reused)."""
        for directory, stages in self.generations:
            derived = stages.get(stage)
            if derived is None or derived.key != key:
                continue
            try:
                return read_artifacts(directory, derived.files)
            except IndexUnavailable as exc:
                log.info("%s: not reused from %s (%s)", stage, directory.name, exc)
        return None


def _derived_of_kept(index_dir: Path) -> _Earlier:
    """What each kept generation derived, as its `derived.json` records it (none before the first build)."""
    try:
        current = current_generation(index_dir)
    except IndexUnavailable:
        return _Earlier([])
    kept: list[tuple[Path, dict[str, _Derived]]] = []
    for directory in [current, *(g for g in reversed(generations(index_dir)) if g != current)]:
        try:
            raw = json.loads((directory / DERIVED).read_text(encoding="utf-8"))
            stages = {name: _Derived(str(d["key"]), [str(f) for f in d["files"]]) for name, d in raw.items()}
        except (OSError, ValueError, KeyError, TypeError):
            continue  # written before generations recorded what they derived, or unreadable: derive again
        kept.append((directory, stages))
    return _Earlier(kept)


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _reason(error: CorpusError) -> str:
    return f"line {error.line}: {error.problem}" if error.line is not None else error.problem
