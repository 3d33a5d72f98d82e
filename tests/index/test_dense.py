from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.dense import DenseIndex, DenseParams, choose_params
from index.embedder import Embedder
from index.store import load_index
from rag.answer import Answerer
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.conftest import CORPUS


def _clustered(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, dim))
    vectors = centres[rng.integers(0, 20, count)] + 0.3 * rng.normal(size=(count, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_auto_choice_is_exact_up_to_the_threshold_and_ivf_past_it() -> None:
    assert choose_params(50_000, "auto", flat_max=50_000).kind == "flat"
    large = choose_params(1_000_000, "auto", flat_max=50_000, ef_search=128)
    assert large.kind == "hnsw_sq8" and large.ef_search == 128 and large.m > 0
    ivf = choose_params(1_000_000, "ivf_sq8")
    assert 0 < ivf.nprobe <= ivf.nlist <= 1_000_000 // 39
    assert choose_params(10, "ivf_sq8").nlist >= 1
    assert choose_params(10**6, "flat").kind == "flat"


@pytest.mark.parametrize("kind", ["flat", "hnsw_sq8", "ivf_sq8"])
def test_memory_mapped_index_answers_like_the_built_one(tmp_path: Path, kind: str) -> None:
    vectors = _clustered(4000)
    params = choose_params(len(vectors), kind)  # type: ignore[arg-type]
    built = DenseIndex.build(vectors, params)
    built.save(tmp_path / "dense.faiss")
    mapped = DenseIndex.load(tmp_path / "dense.faiss", params, mmap=True)
    assert mapped.size == len(vectors) and mapped.params == params
    for query in vectors[:20]:
        assert mapped.search(query, 10) == built.search(query, 10)
    assert np.allclose(mapped.vectors([0, 7]), vectors[[0, 7]], atol=0.02)  # int8-rounded for IVF-SQ8


@pytest.mark.parametrize("kind", ["hnsw_sq8", "ivf_sq8"])
def test_approximate_index_finds_most_of_the_exact_top_ten(kind: str) -> None:
    vectors = _clustered(6000, seed=1)
    exact = DenseIndex.build(vectors, DenseParams(kind="flat"))
    approximate = DenseIndex.build(vectors, choose_params(len(vectors), kind))  # type: ignore[arg-type]
    queries = _clustered(50, seed=2)
    found = [len({r for r, _ in approximate.search(q, 10)} & {r for r, _ in exact.search(q, 10)}) / 10 for q in queries]
    assert np.mean(found) >= 0.9


def test_build_records_the_chosen_index_in_the_manifest_and_serves_it(
    tmp_path: Path, sample_index_dir: Path, embedder: Embedder
) -> None:
    settings = PipelineSettings.of(dense_flat_max=0, abstention=False)  # the dense index is under test
    report = build_index(
        CORPUS, tmp_path / "index", settings, embedder, embedding_cache=sample_index_dir / "embeddings.sqlite"
    )
    assert report.manifest.dense.kind == "hnsw_sq8"
    loaded = load_index(tmp_path / "index")
    assert loaded.manifest.dense == report.manifest.dense
    answer = Answerer(loaded, embedder, settings.retrieval, settings.related).ask(
        "upadacitinib ASAS40 response at week 14", top_k=3
    )
    assert answer.answered and all(p.review_status == "approved" for p in answer.passages)
