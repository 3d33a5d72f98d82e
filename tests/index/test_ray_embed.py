"""How big the embedding actor pool is, and what each actor reserves, for the cluster it meets."""

from __future__ import annotations

from index.ray_embed import PoolPlan
from index.settings import Settings


def test_a_cpu_cluster_keeps_one_cpu_free_for_ray_data() -> None:
    assert PoolPlan.for_cluster({"CPU": 2.0}, Settings()) == PoolPlan(actors=1, cpus=1.0, gpus=0.0)
    assert PoolPlan.for_cluster({"CPU": 16.0}, Settings(ray_cpus_per_actor=2)) == PoolPlan(7, 2.0, 0.0)
    assert PoolPlan.for_cluster({"CPU": 1.0}, Settings()).actors == 1  # never an empty pool


def test_a_gpu_cluster_gets_one_actor_per_gpu() -> None:
    assert PoolPlan.for_cluster({"CPU": 32.0, "GPU": 4.0}, Settings()) == PoolPlan(actors=4, cpus=1.0, gpus=1.0)


def test_an_explicit_actor_count_wins() -> None:
    assert PoolPlan.for_cluster({"CPU": 8.0}, Settings(ray_actors=3)) == PoolPlan(3, 1.0, 0.0)
    assert PoolPlan.for_cluster({"CPU": 8.0, "GPU": 2.0}, Settings(ray_actors=2)).gpus == 1.0
