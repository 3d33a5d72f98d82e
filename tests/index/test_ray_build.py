"""`--ray` builds on the real Ray runtime and the real packaged model: the same generation as a plain build, on a
local Ray and on a two-node cluster, and a clear failure (CURRENT untouched) when an embedding actor dies.

The plain build is the session's sample index; the Ray builds reuse its embedding cache with a few dozen entries
removed, so only those texts go to the actors (the cache path under test) and the module stays quick. Ray's own
throughput on a large corpus is measured by `python -m benchmarks.ray_build`, not here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.builder import EMBEDDING_CACHE
from index.embed_cache import EmbeddingCache
from index.embedder import Embedder
from index.ray_embed import RayEncoder
from index.ray_settings import RaySettings
from index.store import LoadedIndex, current_generation, load_index
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.conftest import CORPUS, GOLD, REPO

# One Ray cluster at a time: under pytest-xdist these run on one worker, in order.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

UNSEEN = 64  # cache entries removed before a Ray build: these texts, and only these, go to the actors

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def without_abstention(settings: PipelineSettings) -> PipelineSettings:
    """The sample index's settings without abstention: these builds test embedding, not what is learnt after it."""
    return settings.replace(abstention=False)


@pytest.fixture(scope="module")
def plain(sample_index: LoadedIndex) -> LoadedIndex:
    return sample_index


@pytest.fixture(scope="module")
def texts(plain: LoadedIndex) -> list[str]:
    """Every chunk's embedded text, in build order."""
    return [chunk.embed_text for chunk in plain.chunks]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _cache_without(source: Path, target: Path, texts: list[str]) -> Path:
    """A copy of an embedding cache that has never seen `texts`."""
    shutil.copy(source, target)
    with sqlite3.connect(target) as db:
        db.executemany("DELETE FROM embeddings WHERE text_hash = ?", [(EmbeddingCache.text_hash(t),) for t in texts])
    return target


def _questions() -> list[str]:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def _all_vectors(index: LoadedIndex) -> np.ndarray:
    return index.dense.vectors(list(range(index.dense.size)))


def test_ray_build_matches_the_plain_build(
    plain: LoadedIndex,
    sample_index_dir: Path,
    texts: list[str],
    local_ray: None,
    tmp_path: Path,
    without_abstention: PipelineSettings,
    embedder: Embedder,
) -> None:
    unseen = texts[:: len(texts) // UNSEEN][:UNSEEN]
    cache = _cache_without(sample_index_dir / EMBEDDING_CACHE, tmp_path / "cache.sqlite", unseen)
    batch = without_abstention.index.embed_batch_size
    with RayEncoder(RaySettings(), embedder.model_path, batch) as encoder:
        report = build_index(
            CORPUS, tmp_path / "ray", without_abstention, embedder, embedding_cache=cache, encoder=encoder
        )
    assert report.embedded == len(set(unseen)) and report.embedded >= UNSEEN // 2
    assert report.manifest.counts == plain.manifest.counts
    built = load_index(tmp_path / "ray")  # loading verifies every checksum
    assert [c.chunk_id for c in built.chunks] == [c.chunk_id for c in plain.chunks]
    assert float(np.abs(_all_vectors(built) - _all_vectors(plain)).max()) < 1e-5
    questions = _questions()
    vectors = embedder.encode(questions)
    for question, vector in zip(questions, vectors, strict=True):
        terms = plain.bm25.tokenize(question)
        assert built.bm25.search(terms, 10) == plain.bm25.search(terms, 10), question
        assert [r for r, _ in built.dense.search(vector, 10)] == [r for r, _ in plain.dense.search(vector, 10)]


def test_a_dead_actor_fails_the_cli_build_in_one_line_and_keeps_current(sample_index_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index_dir, index_dir)
    (index_dir / EMBEDDING_CACHE).unlink()  # every text unseen, so the actors have work to die in
    before = current_generation(index_dir).name
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), "FOLLOWUP_CRASH_AT": "embedding-actor"}
    command = [sys.executable, "-m", "api", "index", "build", "--corpus", str(CORPUS), "--index", str(index_dir)]
    done = subprocess.run(
        [*command, "--ray"], env=env, capture_output=True, text=True, cwd=REPO, timeout=240, check=False
    )
    assert done.returncode == 1, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: Ray embedding failed: an embedding actor died") and "CURRENT is unchanged" in last
    assert done.returncode != -signal.SIGKILL
    assert current_generation(index_dir).name == before
    load_index(index_dir)


def test_two_node_cluster_build_runs_on_both_nodes(
    plain: LoadedIndex,
    sample_index_dir: Path,
    texts: list[str],
    tmp_path: Path,
    without_abstention: PipelineSettings,
    embedder: Embedder,
) -> None:
    from ray.cluster_utils import Cluster

    ray.shutdown()  # the module's local Ray, if another test started it: one Ray per driver
    # Each node has room for one actor only (3 CPUs, 2 per actor, one left for Ray's own work): SPREAD is best
    # effort, and with room for both on one node it sometimes packed them there (make test, 2026-11-29).
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 3, "include_dashboard": False})
    cluster.add_node(num_cpus=3)
    try:
        cluster.wait_for_nodes()
        # Small blocks and batches (Ray Data bundles blocks up to a batch), so the 128 texts make 8 tasks.
        one_per_node = RaySettings(ray_actors=2, ray_cpus_per_actor=2.0, ray_block_rows=16)
        settings = without_abstention.replace(embed_batch_size=16)
        unseen = texts[:: len(texts) // 128][:128]
        cache = _cache_without(sample_index_dir / EMBEDDING_CACHE, tmp_path / "cache.sqlite", unseen)
        with RayEncoder(one_per_node, embedder.model_path, 16, cluster.address) as encoder:
            report = build_index(
                CORPUS, tmp_path / "cluster", settings, embedder, embedding_cache=cache, encoder=encoder
            )
            assert len(encoder.nodes) == 2, encoder.nodes
        assert report.embedded == len(set(unseen))
        built = load_index(tmp_path / "cluster")
        assert float(np.abs(_all_vectors(built) - _all_vectors(plain)).max()) < 1e-5
    finally:
        ray.shutdown()
        cluster.shutdown()
