from __future__ import annotations

import shutil
from pathlib import Path

from index.embedder import Embedder
from index.store import load_index
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.conftest import CORPUS, SEED_ID


def test_rebuild_after_one_edit_embeds_only_that_article(
    tmp_path: Path, unlearnt: PipelineSettings, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / "articles", corpus)
    index_dir = tmp_path / "index"
    first = build_index(corpus, index_dir, unlearnt, embedder)
    assert first.embeddings_cached == 0 and first.embedded == first.manifest.counts.chunks

    seed = corpus / f"{SEED_ID}.md"
    seed.write_text(seed.read_text().replace("Neutropenia occurred in 3%", "Neutropenia was seen in 3%"))
    second = build_index(corpus, index_dir, unlearnt, embedder)
    assert second.embedded == 1
    assert second.embeddings_cached == second.manifest.counts.chunks - 1
    assert any("Neutropenia was seen" in c.text for c in load_index(index_dir).chunks)


def test_cached_vectors_equal_fresh_ones(tmp_path: Path, unlearnt: PipelineSettings, embedder: Embedder) -> None:
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir, unlearnt, embedder)
    build_index(CORPUS, index_dir, unlearnt, embedder)
    index = load_index(index_dir)
    rows = list(range(min(5, len(index.chunks))))
    fresh = embedder.encode([index.chunks[r].embed_text for r in rows])
    assert abs(index.dense.vectors(rows) - fresh).max() < 1e-5
