"""Index generations on disk: each build writes a new directory, then an atomic pointer switch publishes it.

    var/index/
      CURRENT                  name of the served generation (replaced atomically)
      gen-20261125T030000Z…/   manifest.json (with sha256 of every artifact), chunks.arrow
                               (memory-mapped when served: index/chunk_table.py), articles.jsonl, bm25/, dense.faiss

A build that dies part-way leaves only a `.build-*` directory (or a `.trash-*` one, while pruning), which no
reader ever opens; the next build removes it. Writers (build, rollback) hold an exclusive lock on `.lock`, so
anything of that kind found under the lock is a leftover of a killed process.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
from pydantic import BaseModel, ValidationError

from corpus.chunking import Chunk
from corpus.model import Article
from index.article_index import ArticleIndex
from index.bm25 import Bm25Index
from index.chunk_table import ChunkTable, write_chunk_table
from index.dense import DenseIndex, DenseParams
from index.faults import crash_point
from index.medical_names import MENTIONS_FILE, Mentions
from index.settings import IndexSettings
from index.tokenize import StopwordSet
from index.vocabulary import VOCABULARY_FILE, Vocabulary

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: chunks in a memory-mapped Arrow file instead of chunks.jsonl
POINTER = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.arrow"
ARTICLES = "articles.jsonl"
BM25_DIR = "bm25"
DENSE = "dense.faiss"
BM25_ROWS = "bm25_rows.json"
LOCK = ".lock"
REBUILD = "rebuild it with 'followup index build'"


class IndexUnavailable(Exception):
    """The index cannot be used; the message says why and what to run."""


class ModelInfo(BaseModel):
    name: str
    path: str
    dim: int
    max_tokens: int


class Bm25Params(BaseModel):
    method: str
    k1: float
    b: float
    header: str
    stopwords: StopwordSet
    stem: bool
    answer_types: bool
    normalize: bool  # accents, Greek letters and clitics normalised (index/tokenize.py)

    @classmethod
    def from_settings(cls, settings: IndexSettings) -> Bm25Params:
        """What a build records of the BM25 settings, so a served index is queried as it was built."""
        return cls(
            method=settings.bm25_method,
            k1=settings.bm25_k1,
            b=settings.bm25_b,
            header=settings.bm25_header,
            stopwords=settings.bm25_stopwords,
            stem=settings.bm25_stem,
            answer_types=settings.bm25_answer_types,
            normalize=settings.bm25_normalize,
        )


class Skipped(BaseModel):
    path: str
    reason: str


class Counts(BaseModel):
    articles_found: int
    articles_indexed: int  # every valid article, whatever its status
    articles_not_approved: int  # indexed but not served unless an override approves them
    chunks: int
    skipped: int


class Manifest(BaseModel):
    format_version: int = FORMAT_VERSION
    generation: str
    created_at: dt.datetime
    corpus_dir: str
    corpus_hash: str
    model: ModelInfo
    bm25: Bm25Params
    counts: Counts
    dense: DenseParams
    skipped: list[Skipped]
    files: dict[str, str]


@dataclass
class LoadedIndex:
    directory: Path
    manifest: Manifest
    chunks: ChunkTable  # read lazily from the memory-mapped file: `chunks[row]` builds one Chunk
    articles: dict[str, Article]
    bm25: Bm25Index
    dense: DenseIndex
    bm25_rows: list[int] | None = None  # chunk row of each BM25 row; None: BM25 covers every chunk
    article_index: ArticleIndex | None = None  # None for generations written without it (benchmarks/scale.py)
    vocabulary: Vocabulary | None = None  # None for generations built without it (IndexSettings.vocabulary)
    mentions: Mentions | None = None  # built with the vocabulary: the medical names each article mentions

    @property
    def version(self) -> str:
        return self.manifest.generation


def new_generation_name(now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"gen-{stamp}"


def file_sha256(path: Path) -> str:
    """A file's SHA-256, read in blocks (artifacts and model files are megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _artifact_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)


def _fsync_tree(directory: Path) -> None:
    for path in [*_artifact_files(directory), directory / MANIFEST]:
        if path.exists():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for folder in [directory, *(p for p in directory.rglob("*") if p.is_dir())]:
        _fsync_dir(folder)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _exclusive(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index folder (builds and rollbacks); readers never take it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clean_leftovers(index_dir: Path) -> None:
    """Removes what killed writers left behind; called under the lock, so no live writer owns any of it."""
    for leftover in [*index_dir.glob(".build-*"), *index_dir.glob(".trash-*")]:
        log.info("removing %s, left by an interrupted build", leftover)
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in index_dir.glob(f".{POINTER}.*"):
        leftover.unlink(missing_ok=True)


def write_generation(
    index_dir: Path,
    manifest: Manifest,
    chunks: Sequence[Chunk],
    articles: list[Article],
    bm25: Bm25Index,
    dense: DenseIndex,
    bm25_rows: list[int] | None = None,
    article_index: ArticleIndex | None = None,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Writes every artifact into a private directory, checksums it, then publishes it atomically.

    `extra_files`: further artifacts by file name (e.g. the answerability model), checksummed like the rest."""
    with _exclusive(index_dir):
        _clean_leftovers(index_dir)
        previous = _pointer_name(index_dir)
        staging = index_dir / f".build-{manifest.generation}-{os.getpid()}"
        staging.mkdir()
        crash_point("staging-created")
        try:
            write_chunk_table(staging / CHUNKS, chunks)
            crash_point("chunks-written")
            with (staging / ARTICLES).open("w", encoding="utf-8") as handle:
                handle.writelines(article.model_dump_json() + "\n" for article in articles)
            crash_point("articles-written")
            bm25.save(staging / BM25_DIR)
            if bm25_rows is not None:
                (staging / BM25_ROWS).write_text(json.dumps(bm25_rows), encoding="utf-8")
            crash_point("bm25-written")
            dense.save(staging / DENSE)
            if article_index is not None:
                article_index.save(staging)
            for name, content in (extra_files or {}).items():
                (staging / name).write_bytes(content)
            crash_point("dense-written")
            files = {str(p.relative_to(staging)): file_sha256(p) for p in _artifact_files(staging)}
            final = manifest.model_copy(update={"files": files})
            (staging / MANIFEST).write_text(final.model_dump_json(indent=2), encoding="utf-8")
            crash_point("manifest-written")
            _fsync_tree(staging)
            crash_point("synced")
            target = index_dir / manifest.generation
            staging.rename(target)
            _fsync_dir(index_dir)
            crash_point("renamed")
            _publish(index_dir, manifest.generation)
            crash_point("published")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _prune(index_dir, keep={manifest.generation, previous or manifest.generation})
    return target


def _publish(index_dir: Path, generation: str) -> None:
    pointer_tmp = index_dir / f".{POINTER}.{os.getpid()}"
    with pointer_tmp.open("w", encoding="utf-8") as handle:
        handle.write(generation + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    crash_point("pointer-written")
    os.replace(pointer_tmp, index_dir / POINTER)
    _fsync_dir(index_dir)


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Keeps the served generation and the one served before it (to roll back to); drops the rest.

    A generation is renamed out of the `gen-*` namespace before it is deleted, so a prune killed half-way
    never leaves a half-deleted directory that looks like a generation.
    """
    for old in generations(index_dir):
        if old.name not in keep:
            trash = index_dir / f".trash-{old.name}"
            old.rename(trash)
            crash_point("pruning")
            shutil.rmtree(trash, ignore_errors=True)


def generations(index_dir: Path) -> list[Path]:
    """Generation directories, oldest first (names are UTC timestamps)."""
    return sorted(p for p in index_dir.glob("gen-*") if p.is_dir())


def _pointer_name(index_dir: Path) -> str | None:
    pointer = index_dir / POINTER
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


def current_generation(index_dir: Path) -> Path:
    pointer = index_dir / POINTER
    if not pointer.is_file():
        raise IndexUnavailable(f"no index at {index_dir}: run 'followup index build --corpus DIR --index {index_dir}'")
    name = pointer.read_text(encoding="utf-8").strip()
    directory = index_dir / name
    if not name.startswith("gen-") or not directory.is_dir():
        raise IndexUnavailable(f"{pointer} names {name!r}, which is not a generation in {index_dir}: rebuild the index")
    return directory


def verify_generation(directory: Path) -> Manifest:
    """The manifest, once every artifact matches its checksum; otherwise an error naming the bad file."""
    manifest = _read_manifest(directory)
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.is_file() or file_sha256(path) != expected:
            raise IndexUnavailable(f"{path}: missing or corrupted (checksum mismatch): rebuild the index")
    return manifest


def read_artifacts(directory: Path, names: Sequence[str]) -> dict[str, bytes]:
    """Some artifacts of a generation, each checked against its manifest checksum (the others are not read)."""
    manifest = _read_manifest(directory)
    contents: dict[str, bytes] = {}
    for name in names:
        path = directory / name
        try:
            data = path.read_bytes()
        except OSError:
            raise IndexUnavailable(f"{path}: missing: rebuild the index") from None
        if hashlib.sha256(data).hexdigest() != manifest.files.get(name):
            raise IndexUnavailable(f"{path}: corrupted (checksum mismatch): rebuild the index")
        contents[name] = data
    return contents


def _read_manifest(directory: Path) -> Manifest:
    """A manifest of another format, or one written before a field it now has, is refused: only a rebuild serves."""
    path = directory / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"{path}: unreadable manifest ({exc.__class__.__name__})") from None
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if version != FORMAT_VERSION:
        raise IndexUnavailable(f"{directory}: index format {version}, expected {FORMAT_VERSION}: {REBUILD}")
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        missing = sorted({".".join(map(str, e["loc"])) for e in exc.errors() if e["type"] == "missing"})
        if missing:
            raise IndexUnavailable(f"{path}: written before {', '.join(missing)} existed: {REBUILD}") from None
        raise IndexUnavailable(f"{path}: unreadable manifest (ValidationError)") from None


def load_generation(directory: Path) -> LoadedIndex:
    """Loads one generation after checking every artifact against its manifest checksum."""
    manifest = verify_generation(directory)
    try:
        chunks = ChunkTable.open(directory / CHUNKS)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise IndexUnavailable(f"{directory / CHUNKS}: unreadable chunk table ({exc}): rebuild the index") from None
    articles = [Article.model_validate_json(line) for line in (directory / ARTICLES).read_text("utf-8").splitlines()]
    rows_file = directory / BM25_ROWS
    bm25_rows: list[int] | None = json.loads(rows_file.read_text("utf-8")) if rows_file.is_file() else None
    lexical = len(chunks) if bm25_rows is None else len(bm25_rows)
    bm25 = Bm25Index.load(
        directory / BM25_DIR,
        lexical,
        manifest.bm25.stopwords,
        manifest.bm25.stem,
        answer_types=manifest.bm25.answer_types,
        normalize=manifest.bm25.normalize,
    )
    dense = DenseIndex.load(directory / DENSE, manifest.dense)
    if dense.size != len(chunks):
        raise IndexUnavailable(f"{directory}: {dense.size} vectors for {len(chunks)} chunks: rebuild the index")
    related = (
        ArticleIndex.load(directory, manifest.bm25.stopwords, manifest.bm25.stem, manifest.bm25.normalize)
        if ArticleIndex.present(manifest.files)
        else None
    )
    vocabulary = _derived(directory, manifest, VOCABULARY_FILE, Vocabulary.load)
    mentions = _derived(directory, manifest, MENTIONS_FILE, Mentions.load)
    by_id = {a.id: a for a in articles}
    return LoadedIndex(directory, manifest, chunks, by_id, bm25, dense, bm25_rows, related, vocabulary, mentions)


_File = TypeVar("_File")


def _derived(directory: Path, manifest: Manifest, name: str, load: Callable[[Path], _File | None]) -> _File | None:
    """A file derived at build time, None for a generation built without it; one written by an older version needs
    a rebuild."""
    if name not in manifest.files:
        return None
    try:
        return load(directory)
    except ValueError as exc:
        raise IndexUnavailable(f"{directory / name}: {exc}: {REBUILD}") from None


def load_index(index_dir: Path) -> LoadedIndex:
    """Loads the generation `CURRENT` names, verified; any fault is an `IndexUnavailable` naming the file."""
    return load_generation(current_generation(index_dir))


def load_newest_verified(index_dir: Path) -> LoadedIndex:
    """The current generation or, if it fails verification, the newest other one that passes (logged).

    For start-up: a server with a damaged current generation serves the last good one rather than nothing.
    """
    try:
        return load_index(index_dir)
    except IndexUnavailable as problem:
        current = _pointer_name(index_dir)
        for directory in reversed(generations(index_dir)):
            if directory.name == current:
                continue
            try:
                loaded = load_generation(directory)
            except IndexUnavailable as other:
                log.warning("skipping generation %s: %s", directory.name, other)
                continue
            log.warning("current generation unusable (%s); serving %s instead", problem, directory.name)
            return loaded
        raise


def rollback(index_dir: Path) -> tuple[str, str]:
    """Points `CURRENT` at the newest generation older than the current one, verified first: (to, from)."""
    with _exclusive(index_dir):
        current = current_generation(index_dir)
        older = [g for g in generations(index_dir) if g.name < current.name]
        if not older:
            raise IndexUnavailable(f"no generation older than {current.name} in {index_dir} to roll back to")
        verify_generation(older[-1])
        _publish(index_dir, older[-1].name)
    return older[-1].name, current.name


def adopt_generation(index_dir: Path, source: Path, manifest_sha256: str) -> Path:
    """Copies the generation folder `source` into `index_dir` (or uses it in place when it is already there) once
    every file matches its manifest checksum and the manifest is the one announced; `CURRENT` is left alone.

    Idempotent: a second process of the same replica finds the verified copy and does nothing more. The copy is made
    under a `.build-*` name and renamed at the end, so a copy killed half-way is a leftover, never a generation."""
    with _exclusive(index_dir):
        _clean_leftovers(index_dir)
        target = index_dir / source.name
        if target.is_dir():
            _check_announced(target, manifest_sha256)
            verify_generation(target)
            return target
        if not (source / MANIFEST).is_file():
            raise IndexUnavailable(f"{source}: no such generation (no {MANIFEST}): was it built and kept there?")
        staging = index_dir / f".build-{source.name}-{os.getpid()}"
        try:
            shutil.copytree(source, staging)
            _check_announced(staging, manifest_sha256)
            verify_generation(staging)
            _fsync_tree(staging)
            staging.rename(target)
            _fsync_dir(index_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target


def _check_announced(directory: Path, manifest_sha256: str) -> None:
    if file_sha256(directory / MANIFEST) != manifest_sha256:
        raise IndexUnavailable(f"{directory / MANIFEST}: not the manifest that was published (sha256 differs)")


def point_at(index_dir: Path, generation: str) -> str | None:
    """Verifies a generation already in `index_dir`, points `CURRENT` at it atomically and prunes what the kept-
    generations limit drops (the previous generation stays, to roll back to); returns the previous one."""
    with _exclusive(index_dir):
        previous = _pointer_name(index_dir)
        verify_generation(index_dir / generation)
        if previous != generation:
            _publish(index_dir, generation)
        _prune(index_dir, keep={generation, previous or generation})
    return previous
