"""Embedding on a Ray cluster: Ray Data hands blocks of texts to a fixed pool of actors, each loading the model once.

The same code joins a cluster (an address) or starts a local Ray sized to this machine (none). Each actor
reserves `ray_cpus_per_actor` CPUs (a GPU when the cluster has them) and the pool leaves a CPU free, so Ray
Data's own tasks are never starved by the actors (ray issue 44687). Actors are never restarted and their tasks
never retried: a dead actor fails the build with one line instead of a pool that waits for it forever, and a
pipeline that delivers nothing for `ray_stall_timeout_s` fails the same way.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import signal
import socket
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from index.faults import crash_stage
from index.ray_settings import RaySettings

log = logging.getLogger(__name__)

ACTOR_CRASH_STAGE = "embedding-actor"  # FOLLOWUP_CRASH_AT value: an actor SIGKILLs itself on its second batch


class RayBuildError(Exception):
    """Embedding on Ray failed; the message is one line saying what died and what to check."""


@dataclass(frozen=True)
class PoolPlan:
    """How many actors, and what each reserves."""

    actors: int
    cpus: float
    gpus: float

    @classmethod
    def for_cluster(cls, resources: dict[str, float], settings: RaySettings) -> PoolPlan:
        """One actor per GPU on a GPU cluster; else as many as fit in all CPUs but one (for Ray Data's tasks)."""
        gpus = int(resources.get("GPU", 0))
        cpus = settings.ray_cpus_per_actor
        if settings.ray_actors is not None:
            return cls(settings.ray_actors, cpus, 1.0 if gpus else 0.0)
        if gpus:
            return cls(gpus, cpus, 1.0)
        return cls(max(1, int((resources.get("CPU", 1) - 1) // cpus)), cpus, 0.0)


class EmbedBatch:
    """The actor: the model is loaded once in `__init__`, then each call embeds one batch of texts."""

    def __init__(self, model_path: str, batch_size: int, threads: int, crash: bool) -> None:
        import ray
        import torch

        from index.embedder import Embedder

        torch.set_num_threads(threads)  # the CPUs this actor reserved, not every core of its node
        device = "cuda" if ray.get_gpu_ids() else "cpu"
        self._embedder = Embedder(Path(model_path), batch_size, device=device)
        self._node = ray.get_runtime_context().get_node_id()
        self._crash = crash
        self._batches = 0

    def __call__(self, batch: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        self._batches += 1
        if self._crash and self._batches == 2:
            os.kill(os.getpid(), signal.SIGKILL)  # test-only (FOLLOWUP_CRASH_AT): an actor dying mid-build
        texts = [str(t) for t in batch["text"]]
        return {
            "row": batch["row"],
            "vector": self._embedder.encode(texts),
            "node": np.full(len(texts), self._node),
        }


@dataclass
class RayEncoder:
    """An `Encoder` (texts → unit vectors) that embeds on Ray; connects on first use, so a build whose texts
    are all in the embedding cache never starts Ray. Use it as a context manager: it disconnects (and stops
    the Ray it started) on exit."""

    settings: RaySettings
    model_path: Path
    batch_size: int  # texts per embedding call of an actor (FOLLOWUP_EMBED_BATCH_SIZE)
    address: str | None = None
    nodes: set[str] = field(default_factory=set)  # nodes whose actors embedded something
    plan: PoolPlan | None = None
    _started: bool = False

    def __enter__(self) -> RayEncoder:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def _connect(self) -> PoolPlan:
        import ray
        import ray.data

        if not ray.is_initialized():
            if self.address is not None:
                _check_reachable(self.address)
            # No address: a new local Ray with this machine's CPUs ("local": never a cluster some other process left
            # running here, or the stale address it left in /tmp/ray, which ray.init would retry for minutes);
            # with one: join that cluster. Same path after.
            ray.init(address=self.address or "local", include_dashboard=False, log_to_driver=False)
            self._started = True
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.max_consecutive_actor_init_deaths = 0  # a model that cannot load fails at once, not in a loop
        context.wait_for_min_actors_s = int(self.settings.ray_stall_timeout_s)
        self.plan = PoolPlan.for_cluster(ray.cluster_resources(), self.settings)  # type: ignore[no-untyped-call]
        log.info("embedding on Ray: %s", self.plan)
        return self.plan

    def __call__(self, texts: list[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors: NDArray[np.float32] | None = None
        filled = 0
        try:
            plan = self.plan or self._connect()  # a cluster that cannot be reached fails here, in one line too
            for batch in self._stream(texts, plan):
                if vectors is None:
                    vectors = np.zeros((len(texts), batch["vector"].shape[1]), dtype=np.float32)
                vectors[batch["row"]] = batch["vector"]
                filled += len(batch["row"])
                self.nodes.update(str(n) for n in batch["node"])
        except RayBuildError:
            raise
        except Exception as exc:
            raise RayBuildError(_one_line(exc)) from exc
        if vectors is None or filled != len(texts):
            raise RayBuildError(f"Ray returned {filled} of {len(texts)} embeddings")
        return vectors

    def _stream(self, texts: list[str], plan: PoolPlan) -> Iterator[dict[str, NDArray[Any]]]:
        """Output batches of the pipeline, read on a helper thread so a silent stall becomes an error."""
        import pyarrow as pa
        import ray.data

        table = pa.table({"row": np.arange(len(texts)), "text": texts})
        step = self.settings.ray_block_rows
        dataset = ray.data.from_arrow([table.slice(start, step) for start in range(0, len(texts), step)])
        with warnings.catch_warnings():
            # Ray 2.6x marks remote args passed as keywords deprecated, yet documents max_restarts=0 this way and
            # offers no named parameter for it.
            warnings.simplefilter("ignore", DeprecationWarning)
            embedded = dataset.map_batches(
                EmbedBatch,
                fn_constructor_kwargs={
                    "model_path": str(self.model_path),
                    "batch_size": self.batch_size,
                    "threads": max(1, math.ceil(plan.cpus)),
                    "crash": crash_stage() == ACTOR_CRASH_STAGE,
                },
                batch_size=self.batch_size,
                batch_format="numpy",
                # A fixed pool, one task in flight per actor: otherwise actor locality queues the blocks at the
                # actor beside the data (the driver's node) while actors on other nodes sit idle.
                compute=ray.data.ActorPoolStrategy(size=plan.actors, max_tasks_in_flight_per_actor=1),
                num_cpus=plan.cpus,
                num_gpus=plan.gpus or None,
                scheduling_strategy="SPREAD",  # actors on as many nodes as possible, not packed on the first
                max_restarts=0,  # a dead actor is an error, not a restart that hides it
                max_task_retries=0,
            )
        results: queue.Queue[dict[str, NDArray[Any]] | BaseException | None] = queue.Queue(maxsize=64)

        def pump() -> None:
            try:
                for batch in embedded.iter_batches(batch_format="numpy", batch_size=None):
                    results.put(batch)
                results.put(None)
            except BaseException as exc:  # handed to the driver thread, which raises it
                results.put(exc)

        threading.Thread(target=pump, name="ray-embed", daemon=True).start()
        while True:
            try:
                item = results.get(timeout=self.settings.ray_stall_timeout_s)
            except queue.Empty:
                raise RayBuildError(
                    f"no embeddings from the Ray actors for {self.settings.ray_stall_timeout_s:.0f} s "
                    "(FOLLOWUP_RAY_STALL_TIMEOUT_S): check `ray status` and the actors' logs"
                ) from None
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


def _check_reachable(address: str, timeout: float = 10.0) -> None:
    """ray.init retries an unreachable head for minutes; a TCP connect says within seconds that nothing listens."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto" and other forms: left to Ray
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise RayBuildError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}): start its head with `ray start "
            "--head` or fix --ray / FOLLOWUP_RAY_ADDRESS"
        ) from None


def _one_line(exc: BaseException) -> str:
    """Ray's errors run to many lines (traceback, hints); the first line with the actor's class says enough."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else exc.__class__.__name__
    detail = next((line.strip() for line in text.splitlines() if line.strip().startswith("class_name")), "")
    died = "died" in text or exc.__class__.__name__.endswith("ActorDiedError")
    what = "an embedding actor died" if died else f"{exc.__class__.__name__}"
    return f"Ray embedding failed: {what}: {first}{' (' + detail + ')' if detail else ''}".replace("\n", " ")
