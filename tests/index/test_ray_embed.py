"""How big the embedding actor pool is, and what each actor reserves, for the cluster it meets."""

from __future__ import annotations

import pytest

from index.ray_embed import PoolPlan, RayBuildError, RayEncoder
from index.ray_settings import RaySettings
from rag.settings import PipelineSettings


def test_a_cpu_cluster_keeps_one_cpu_free_for_ray_data() -> None:
    assert PoolPlan.for_cluster({"CPU": 2.0}, RaySettings()) == PoolPlan(actors=1, cpus=1.0, gpus=0.0)
    assert PoolPlan.for_cluster({"CPU": 16.0}, RaySettings(ray_cpus_per_actor=2)) == PoolPlan(7, 2.0, 0.0)
    assert PoolPlan.for_cluster({"CPU": 1.0}, RaySettings()).actors == 1  # never an empty pool


def test_a_gpu_cluster_gets_one_actor_per_gpu() -> None:
    assert PoolPlan.for_cluster({"CPU": 32.0, "GPU": 4.0}, RaySettings()) == PoolPlan(actors=4, cpus=1.0, gpus=1.0)


def test_an_explicit_actor_count_wins() -> None:
    assert PoolPlan.for_cluster({"CPU": 8.0}, RaySettings(ray_actors=3)) == PoolPlan(3, 1.0, 0.0)
    assert PoolPlan.for_cluster({"CPU": 8.0, "GPU": 2.0}, RaySettings(ray_actors=2)).gpus == 1.0


def test_an_unreachable_cluster_fails_in_seconds_with_one_line(settings: PipelineSettings) -> None:
    import ray

    if ray.is_initialized():
        pytest.skip("a Ray runtime is already up in this process")
    with pytest.raises(RayBuildError, match=r"^cannot reach the Ray cluster at 127\.0\.0\.1:1 \(") as caught:
        build = settings.index
        RayEncoder(RaySettings(), build.resolved_model_path(), build.embed_batch_size, "127.0.0.1:1")(["a text"])
    assert "\n" not in str(caught.value)
