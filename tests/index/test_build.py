from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.builder import StrictBuildError
from index.embedder import Embedder
from index.store import POINTER, IndexUnavailable, LoadedIndex, current_generation, load_index
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.conftest import CORPUS


def test_every_article_is_indexed_with_its_corpus_status(sample_index: LoadedIndex) -> None:
    # Unapproved articles are indexed (so an override can approve them without a rebuild) but never served:
    # see tests/rag/test_servable.py.
    assert sample_index.articles
    assert {c.article_id for c in sample_index.chunks} == set(sample_index.articles)
    counts = sample_index.manifest.counts
    not_approved = [a for a in sample_index.articles.values() if not a.is_approved]
    assert counts.articles_not_approved == len(not_approved) >= 2
    assert counts.articles_indexed == len(sample_index.articles)
    assert counts.chunks == len(sample_index.chunks) == sample_index.dense.size
    # BM25 (whose term statistics describe the corpus) covers the chunks of corpus-approved articles only.
    assert sample_index.bm25_rows is not None and sample_index.bm25.size == len(sample_index.bm25_rows)
    assert {sample_index.chunks[r].article_id for r in sample_index.bm25_rows} == {
        a.id for a in sample_index.articles.values() if a.is_approved
    }


def test_manifest_records_model_parameters_and_checksums(sample_index: LoadedIndex) -> None:
    manifest = sample_index.manifest
    assert manifest.model.dim == 384
    assert manifest.bm25.method == "robertson"
    assert {"chunks.arrow", "articles.jsonl", "dense.faiss"} <= set(manifest.files)
    assert len(manifest.corpus_hash) == 64


def _corpus_with_bad_article(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / "articles", corpus)
    (corpus / "broken.md").write_text("---\nid: broken\nstatus: approved\n---\n\nText.\n", encoding="utf-8")
    return corpus


def test_bad_articles_are_skipped_and_recorded(tmp_path: Path, unlearnt: PipelineSettings, embedder: Embedder) -> None:
    report = build_index(_corpus_with_bad_article(tmp_path), tmp_path / "index", unlearnt, embedder)
    assert report.manifest.counts.skipped == 1
    assert report.manifest.skipped[0].path.endswith("broken.md")
    assert "missing 'question'" in report.manifest.skipped[0].reason
    on_disk = json.loads((report.directory / "manifest.json").read_text())
    assert on_disk["skipped"][0]["path"].endswith("broken.md")


def test_strict_build_fails_and_publishes_nothing(
    tmp_path: Path, unlearnt: PipelineSettings, embedder: Embedder
) -> None:
    with pytest.raises(StrictBuildError, match=r"broken\.md"):
        build_index(_corpus_with_bad_article(tmp_path), tmp_path / "index", unlearnt, embedder, strict=True)
    assert not (tmp_path / "index" / POINTER).exists()


def test_rebuild_switches_generation_and_keeps_one_to_roll_back_to(
    tmp_path: Path, unlearnt: PipelineSettings, embedder: Embedder
) -> None:
    index_dir = tmp_path / "index"
    generations = [build_index(CORPUS, index_dir, unlearnt, embedder).directory for _ in range(3)]
    assert current_generation(index_dir) == generations[-1]
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [g.name for g in generations[-2:]]
    assert not list(index_dir.glob(".build-*"))


def test_corrupted_artifact_is_refused_with_its_name(sample_index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy)
    chunks = current_generation(copy) / "chunks.arrow"
    chunks.write_bytes(chunks.read_bytes()[:-100])
    with pytest.raises(IndexUnavailable, match=r"chunks.arrow: missing or corrupted"):
        load_index(copy)


def test_missing_index_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailable, match="followup index build"):
        load_index(tmp_path)


def test_a_rebuild_of_unchanged_inputs_reuses_what_the_generation_derived(
    sample_index_dir: Path, tmp_path: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index_dir, index_dir)
    before = current_generation(index_dir)
    report = build_index(CORPUS, index_dir, settings, embedder)
    assert report.reused == ("vocabulary", "answerability")
    for name in ("vocabulary.json", "mentions.json", "answerability.json"):
        assert (report.directory / name).read_bytes() == (before / name).read_bytes()
    assert list(report.stages) == ["chunk", "embed", "bm25", "dense", "vocabulary", "answerability", "write"]


def test_a_corrupted_derived_file_is_derived_again(
    sample_index_dir: Path, tmp_path: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index_dir, index_dir)
    before = current_generation(index_dir)
    vocabulary = before / "vocabulary.json"
    good = vocabulary.read_bytes()
    vocabulary.write_bytes(good.replace(b"phrases", b"phrasez", 1))  # its checksum no longer matches
    report = build_index(CORPUS, index_dir, settings, embedder)
    # Derived again, the vocabulary is what it was; so the answerability model, whose inputs include it, is reused.
    assert report.reused == ("answerability",)
    assert (report.directory / "vocabulary.json").read_bytes() == good
    load_index(index_dir)
