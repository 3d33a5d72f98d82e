"""Index generations on disk: each build writes a new directory, then an atomic pointer switch publishes it.

    var/index/
      CURRENT                  name of the served generation (replaced atomically)
      gen-20261125T030000Z…/   manifest.json (with sha256 of every artifact), chunks.jsonl,
                               articles.jsonl, bm25/, dense.faiss

A build that dies part-way leaves only a `.build-*` directory, which no reader ever opens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from corpus.chunking import Chunk
from corpus.model import Article
from index.bm25 import Bm25Index
from index.dense import DenseIndex, DenseParams
from index.tokenize import StopwordSet

FORMAT_VERSION = 1
POINTER = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
ARTICLES = "articles.jsonl"
BM25_DIR = "bm25"
DENSE = "dense.faiss"
KEEP_GENERATIONS = 2


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
    stem: bool = True


class Skipped(BaseModel):
    path: str
    reason: str


class Counts(BaseModel):
    articles_found: int
    articles_indexed: int
    articles_not_approved: int
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
    dense: DenseParams = DenseParams()
    skipped: list[Skipped]
    files: dict[str, str]


@dataclass
class LoadedIndex:
    directory: Path
    manifest: Manifest
    chunks: list[Chunk]
    articles: dict[str, Article]
    bm25: Bm25Index
    dense: DenseIndex

    @property
    def version(self) -> str:
        return self.manifest.generation


def new_generation_name(now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"gen-{stamp}"


def _sha256(path: Path) -> str:
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


def write_generation(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    articles: list[Article],
    bm25: Bm25Index,
    dense: DenseIndex,
) -> Path:
    """Writes every artifact into a private directory, checksums it, then publishes it atomically."""
    index_dir.mkdir(parents=True, exist_ok=True)
    staging = index_dir / f".build-{manifest.generation}-{os.getpid()}"
    staging.mkdir()
    try:
        with (staging / CHUNKS).open("w", encoding="utf-8") as handle:
            handle.writelines(chunk.model_dump_json() + "\n" for chunk in chunks)
        with (staging / ARTICLES).open("w", encoding="utf-8") as handle:
            handle.writelines(article.model_dump_json() + "\n" for article in articles)
        bm25.save(staging / BM25_DIR)
        dense.save(staging / DENSE)
        files = {str(p.relative_to(staging)): _sha256(p) for p in _artifact_files(staging)}
        final = manifest.model_copy(update={"files": files})
        (staging / MANIFEST).write_text(final.model_dump_json(indent=2), encoding="utf-8")
        _fsync_tree(staging)
        target = index_dir / manifest.generation
        staging.rename(target)
        _publish(index_dir, manifest.generation)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(index_dir, keep=manifest.generation)
    return target


def _publish(index_dir: Path, generation: str) -> None:
    pointer_tmp = index_dir / f".{POINTER}.{os.getpid()}"
    with pointer_tmp.open("w", encoding="utf-8") as handle:
        handle.write(generation + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, index_dir / POINTER)
    _fsync_dir(index_dir)


def _prune(index_dir: Path, keep: str) -> None:
    """Keeps the newest generations (the served one and one to roll back to); drops the rest."""
    generations = sorted(p for p in index_dir.glob("gen-*") if p.is_dir())
    for old in generations[:-KEEP_GENERATIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def current_generation(index_dir: Path) -> Path:
    pointer = index_dir / POINTER
    if not pointer.is_file():
        raise IndexUnavailable(f"no index at {index_dir}: run 'followup index build --corpus DIR --index {index_dir}'")
    name = pointer.read_text(encoding="utf-8").strip()
    directory = index_dir / name
    if not name.startswith("gen-") or not directory.is_dir():
        raise IndexUnavailable(f"{pointer} names {name!r}, which is not a generation in {index_dir}: rebuild the index")
    return directory


def load_index(index_dir: Path) -> LoadedIndex:
    """Loads the current generation after checking every artifact against its manifest checksum."""
    directory = current_generation(index_dir)
    try:
        manifest = Manifest.model_validate_json((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"{directory / MANIFEST}: unreadable manifest ({exc.__class__.__name__})") from None
    if manifest.format_version != FORMAT_VERSION:
        raise IndexUnavailable(
            f"{directory}: index format {manifest.format_version}, expected {FORMAT_VERSION}: rebuild"
        )
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.is_file() or _sha256(path) != expected:
            raise IndexUnavailable(f"{path}: missing or corrupted (checksum mismatch): rebuild the index")
    chunks = [Chunk.model_validate_json(line) for line in (directory / CHUNKS).read_text("utf-8").splitlines()]
    articles = [Article.model_validate_json(line) for line in (directory / ARTICLES).read_text("utf-8").splitlines()]
    bm25 = Bm25Index.load(directory / BM25_DIR, len(chunks), manifest.bm25.stopwords, manifest.bm25.stem)
    dense = DenseIndex.load(directory / DENSE, manifest.dense)
    if dense.size != len(chunks):
        raise IndexUnavailable(f"{directory}: {dense.size} vectors for {len(chunks)} chunks: rebuild the index")
    return LoadedIndex(directory, manifest, chunks, {a.id: a for a in articles}, bm25, dense)
