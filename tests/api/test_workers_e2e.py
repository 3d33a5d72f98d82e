"""`followup serve --workers 2`, real processes: an admin reload or a SIGHUP reaches both workers without a failed
request; a killed worker is replaced and serves; SIGTERM stops every worker."""

from __future__ import annotations

import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from index.embedder import Embedder
from index.store import current_generation
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.api.servers import Server, running_server, workers_of
from tests.conftest import CORPUS

pytestmark = pytest.mark.e2e

TOKEN = "e2e-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at week 14 on upadacitinib?"
SWITCH_SECONDS = 10  # a sibling starts within a second; its reload takes seconds on a busy 2-core machine


@dataclass(frozen=True)
class TwoWorkers:
    server: Server
    index_dir: Path

    def new_generation(self, settings: PipelineSettings, embedder: Embedder) -> str:
        return build_index(CORPUS, self.index_dir, settings, embedder).directory.name


@pytest.fixture(scope="module")
def two_workers(sample_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoWorkers]:
    """One `followup serve --workers 2` over a private copy of the sample index, once both workers answer; after
    the module, SIGTERM to the supervisor must have stopped every worker."""
    folder = tmp_path_factory.mktemp("workers")
    index_dir = folder / "index"
    shutil.copytree(sample_index_dir, index_dir, ignore=shutil.ignore_patterns("overrides.sqlite*", "feedback.*"))
    options = ["--workers", "2"]
    with running_server(index_dir, folder / "server.log", {"FOLLOWUP_ADMIN_TOKEN": TOKEN}, options) as server:
        serving(server, current_generation(index_dir).name, within=120)
        yield TwoWorkers(server, index_dir)
        children = psutil.Process(server.process.pid).children()
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == [], f"still running after SIGTERM to the supervisor: {alive}"


def serving(server: Server, generation: str, within: float) -> set[int]:
    """The pids of both workers, once each has answered /healthz with `generation` (a new connection per request,
    so that either worker may take it)."""
    deadline = time.monotonic() + within
    answered: dict[int, str | None] = {}
    while time.monotonic() < deadline:
        try:
            body = httpx.get(f"{server.base}/healthz", timeout=5).json()
        except httpx.TransportError:  # a connection the killed worker had taken
            continue
        answered[body["pid"]] = body["index_version"]
        pids = {pid for pid, version in answered.items() if version == generation}
        if len(pids) == 2:
            assert pids == {child.pid for child in workers_of(server)}
            return pids
        time.sleep(0.02)
    pytest.fail(f"within {within} s, not two workers serving {generation}: {answered}")


@contextmanager
def steady_load(server: Server) -> Iterator[list[str]]:
    """Questions asked one after another throughout the block, each on a new connection (so that both workers take
    some); yields the failures, for the block's caller to read after it ends."""
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def ask() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                response = httpx.post(f"{server.base}/v1/ask", json={"question": QUESTION, "top_k": 5}, timeout=60)
                if response.status_code != 200 or not response.json()["passages"]:
                    failures.append(f"{response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
            answered += 1

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        yield failures
    finally:
        stop.set()
        asker.join(timeout=60)
    if answered == 0:
        failures.append("no question was answered during the switch")


def test_an_admin_reload_on_one_worker_reaches_both(
    two_workers: TwoWorkers, settings: PipelineSettings, embedder: Embedder
) -> None:
    with steady_load(two_workers.server) as failures:
        generation = two_workers.new_generation(settings, embedder)
        response = httpx.post(f"{two_workers.server.base}/v1/admin/reload", headers=ADMIN, timeout=60)
        assert response.status_code == 200 and response.json()["generation"] == generation
        serving(two_workers.server, generation, within=SWITCH_SECONDS)
    assert failures == []


def test_sighup_to_the_supervisor_reaches_both(
    two_workers: TwoWorkers, settings: PipelineSettings, embedder: Embedder
) -> None:
    with steady_load(two_workers.server) as failures:
        generation = two_workers.new_generation(settings, embedder)
        two_workers.server.process.send_signal(signal.SIGHUP)
        serving(two_workers.server, generation, within=SWITCH_SECONDS)
    assert failures == []


def test_a_killed_worker_is_replaced_and_a_sighup_while_it_starts_does_not_kill_it(
    two_workers: TwoWorkers, settings: PipelineSettings, embedder: Embedder
) -> None:
    before = {worker.pid for worker in workers_of(two_workers.server)}
    victim = min(before)
    psutil.Process(victim).kill()
    generation = two_workers.new_generation(settings, embedder)
    time.sleep(1)  # the supervisor looks every 0.5 s: its replacement is starting (importing, loading the model)
    two_workers.server.process.send_signal(signal.SIGHUP)
    after = serving(two_workers.server, generation, within=120)
    assert victim not in after and len(after & before) == 1
    # The SIGHUP waited for the replacement's app instead of killing it: the one worker that died is the victim.
    assert re.findall(r"Child process \[(\d+)\] died", two_workers.server.log.read_text()) == [str(victim)]
