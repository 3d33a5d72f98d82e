"""Generations on disk: rollback, fall-back to the last good generation, leftovers of killed builds."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from index.embedder import Embedder
from index.store import (
    MANIFEST,
    POINTER,
    IndexUnavailable,
    current_generation,
    generations,
    load_index,
    load_newest_verified,
    rollback,
)
from index.vocabulary import VOCABULARY_FILE
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.conftest import CORPUS


@pytest.fixture
def index_copy(sample_index_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy)
    return copy


def test_a_generation_written_by_an_older_version_asks_for_a_rebuild(index_copy: Path) -> None:
    generation = current_generation(index_copy)
    manifest = json.loads((generation / MANIFEST).read_text())
    normalize = manifest["bm25"].pop("normalize")
    (generation / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match=r"written before bm25\.normalize existed: rebuild it with 'followup"):
        load_index(index_copy)
    manifest["bm25"]["normalize"] = normalize
    vocabulary = json.loads((generation / VOCABULARY_FILE).read_text())
    del vocabulary["sources"]
    (generation / VOCABULARY_FILE).write_text(json.dumps(vocabulary))
    manifest["files"][VOCABULARY_FILE] = hashlib.sha256((generation / VOCABULARY_FILE).read_bytes()).hexdigest()
    (generation / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match=r"vocabulary\.json: written before sources existed: rebuild"):
        load_index(index_copy)


def test_rollback_switches_to_the_previous_generation_once(
    index_copy: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    first = current_generation(index_copy).name
    second = build_index(CORPUS, index_copy, settings, embedder).directory.name
    result = CliRunner().invoke(app, ["index", "rollback", "--index", str(index_copy)])
    assert result.exit_code == 0, result.output
    assert f"CURRENT → {first} (was {second})" in result.output
    assert load_index(index_copy).version == first
    again = CliRunner().invoke(app, ["index", "rollback", "--index", str(index_copy)])
    assert again.exit_code == 1
    assert again.output.startswith("error: no generation older than") and again.output.count("\n") == 1


def test_a_build_after_a_rollback_keeps_the_rolled_back_to_generation(
    index_copy: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    first = current_generation(index_copy).name
    bad = build_index(CORPUS, index_copy, settings, embedder).directory.name
    rollback(index_copy)
    third = build_index(CORPUS, index_copy, settings, embedder).directory.name
    # The served one (third) and the one served before it (first); the rolled-back-from one is dropped.
    assert [g.name for g in generations(index_copy)] == [first, third]
    assert bad not in {g.name for g in generations(index_copy)}


def test_rollback_refuses_a_corrupted_target(index_copy: Path, settings: PipelineSettings, embedder: Embedder) -> None:
    first = current_generation(index_copy)
    build_index(CORPUS, index_copy, settings, embedder)
    (first / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexUnavailable, match=r"dense\.faiss: missing or corrupted"):
        rollback(index_copy)


def test_start_up_falls_back_to_the_newest_generation_that_verifies(
    index_copy: Path, settings: PipelineSettings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    good = current_generation(index_copy).name
    newest = build_index(CORPUS, index_copy, settings, embedder).directory
    articles = newest / "articles.jsonl"
    articles.write_bytes(articles.read_bytes()[:-10])  # truncated
    with pytest.raises(IndexUnavailable, match=r"articles\.jsonl: missing or corrupted"):
        load_index(index_copy)
    assert load_newest_verified(index_copy).version == good
    assert "current generation unusable" in caplog.text and "articles.jsonl" in caplog.text


def test_the_next_build_removes_leftovers_of_killed_builds(
    index_copy: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    (index_copy / ".build-gen-20260101T000000000000Z-99999").mkdir()
    (index_copy / ".build-gen-20260101T000000000000Z-99999" / "chunks.jsonl").write_text("partial")
    (index_copy / ".trash-gen-20250101T000000000000Z").mkdir()
    (index_copy / f".{POINTER}.99999").write_text("gen-x\n")
    build_index(CORPUS, index_copy, settings, embedder)
    leftovers = [p.name for p in index_copy.iterdir() if p.name.startswith((".build-", ".trash-", f".{POINTER}."))]
    assert leftovers == []
