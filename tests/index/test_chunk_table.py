"""The memory-mapped chunk table: every chunk reads back as written, and whole-corpus questions come from columns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.chunking import Chunk, chunk_article
from corpus.loader import load_corpus
from index.chunk_table import ChunkTable, write_chunk_table
from index.embedder import Embedder
from index.store import MANIFEST, IndexUnavailable, LoadedIndex, current_generation, load_index
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def chunks(embedder: Embedder) -> list[Chunk]:
    articles = load_corpus(CORPUS).articles
    return [c for a in articles for c in chunk_article(a, embedder.count_tokens, embedder.max_tokens)]


def test_every_chunk_reads_back_equal(chunks: list[Chunk], tmp_path: Path) -> None:
    write_chunk_table(tmp_path / "chunks.arrow", chunks)
    table = ChunkTable.open(tmp_path / "chunks.arrow")
    assert len(table) == len(chunks)
    assert list(table) == chunks
    assert table[-1] == chunks[-1] and table[2:5] == chunks[2:5]
    assert [table.article_id(r) for r in range(len(table))] == [c.article_id for c in chunks]
    assert table.chunk_ids() == [c.chunk_id for c in chunks]
    with pytest.raises(IndexError):
        table[len(chunks)]


def test_rows_by_article_match_the_chunks(sample_index: LoadedIndex) -> None:
    expected: dict[str, list[int]] = {}
    for row, chunk in enumerate(sample_index.chunks):
        expected.setdefault(chunk.article_id, []).append(row)
    assert sample_index.chunks.rows_by_article() == expected
    assert sample_index.chunks.article_ids() == set(expected)


def test_an_empty_table_is_an_empty_sequence(tmp_path: Path) -> None:
    write_chunk_table(tmp_path / "chunks.arrow", [])
    table = ChunkTable.open(tmp_path / "chunks.arrow")
    assert len(table) == 0 and table.rows_by_article() == {}


def test_a_generation_of_the_old_format_asks_for_a_rebuild(sample_index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy)
    manifest = current_generation(copy) / MANIFEST
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format_version": 1}))
    with pytest.raises(IndexUnavailable, match=r"index format 1, expected 2: rebuild"):
        load_index(copy)
