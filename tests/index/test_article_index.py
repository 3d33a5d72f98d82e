"""Article-level representations are built with the index and published, checksummed, with its generation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus.loader import load_corpus
from index.article_index import ARTICLE_DENSE, ARTICLE_IDS, article_text
from index.store import IndexUnavailable, LoadedIndex, current_generation, load_index
from tests.conftest import CORPUS, SEED_ID


def test_every_indexed_article_has_one_row(sample_index: LoadedIndex) -> None:
    related = sample_index.article_index
    assert related is not None
    assert sorted(related.ids) == sorted(sample_index.articles)
    assert related.dense.size == related.bm25.size == len(sample_index.articles)


def test_article_artifacts_are_checksummed_in_the_manifest(sample_index: LoadedIndex) -> None:
    files = sample_index.manifest.files
    assert ARTICLE_IDS in files and ARTICLE_DENSE in files
    assert any(name.startswith("article_bm25/") for name in files)


def test_article_text_reads_question_headings_and_summary() -> None:
    seed = next(a for a in load_corpus(CORPUS).articles if a.id == SEED_ID)
    text = article_text(seed)
    assert text.startswith(seed.question)
    assert "Clinical Trial Efficacy Data" in text and "After Anti-TNF Failure" in text
    assert "upadacitinib is indicated and effective" in text


def test_stored_vector_is_the_article_texts_embedding(sample_index: LoadedIndex, embedder: object) -> None:
    from index.embedder import Embedder

    assert isinstance(embedder, Embedder) and sample_index.article_index is not None
    seed = sample_index.articles[SEED_ID]
    stored = sample_index.article_index.vector(SEED_ID)
    assert float(stored @ embedder.encode([article_text(seed)])[0]) == pytest.approx(1.0, abs=1e-4)


def test_corrupted_article_vectors_are_refused(sample_index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy)
    vectors = current_generation(copy) / ARTICLE_DENSE
    vectors.write_bytes(vectors.read_bytes()[:-16])
    with pytest.raises(IndexUnavailable, match=r"article_dense.faiss: missing or corrupted"):
        load_index(copy)
