"""Two real `followup serve` replicas sharing one index folder and one PostgreSQL: a status change made on one is
served by both within a second, also after their listener connections are killed, and reloads keep it.

A few changes show the behaviour; the p99 over a hundred is measured by `python -m benchmarks.replicas`."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from benchmarks.replicas import change, seconds_until_both, served
from index.embedder import Embedder
from index.overrides.listener import LISTENER_NAME
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.api.servers import Server, running_server
from tests.conftest import CORPUS, SEED_ID
from tests.postgres import terminate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOKEN = "replica-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
ASAS40 = "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at week 14 on upadacitinib?"
RETRACTIONS = 3  # each followed by an approval
LIMIT_SECONDS = 5.0  # a change not served by both by then fails the test outright


@contextmanager
def replicas(index_dir: Path, overrides_url: str, logs: Path) -> Iterator[tuple[Server, Server]]:
    """Both started at once (each spends ~10 s importing and loading the model); both stopped at the end."""
    env = {"FOLLOWUP_ADMIN_TOKEN": TOKEN, "FOLLOWUP_OVERRIDES_URL": overrides_url}
    starting = [running_server(index_dir, logs / f"replica-{name}.log", env) for name in "ab"]
    with ExitStack() as stack, ThreadPoolExecutor(len(starting)) as pool:
        futures = [pool.submit(server.__enter__) for server in starting]
        for server, future in zip(starting, futures, strict=True):
            if future.exception() is None:  # waits; a started server is stopped even when the other failed
                stack.push(server.__exit__)
        first, second = (future.result() for future in futures)
        yield first, second


def _seconds_until_both(client: httpx.Client, servers: tuple[Server, Server], status: str) -> float:
    return seconds_until_both(client, [server.base for server in servers], status, TOKEN, LIMIT_SECONDS)


def test_replicas_serve_a_status_change_within_a_second_and_after_their_listeners_are_killed(
    index_copy: Path, postgres_url: str, tmp_path: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    with replicas(index_copy, postgres_url, tmp_path) as servers, httpx.Client(timeout=10) as client:
        for _ in range(RETRACTIONS):
            assert _seconds_until_both(client, servers, "retracted") <= 1.0
            assert _seconds_until_both(client, servers, "approved") <= 1.0

        assert terminate(postgres_url, LISTENER_NAME) == 2  # one listener per replica
        after_kill = _seconds_until_both(client, servers, "retracted")
        then = _seconds_until_both(client, servers, "approved")
        assert after_kill <= 2.0 and then <= 1.0

        # A new generation in the shared folder: one replica reloads over HTTP, the other on SIGHUP.
        change(client, servers[0].base, "retracted", TOKEN)
        generation = build_index(CORPUS, index_copy, settings, embedder).directory.name
        reload = client.post(f"{servers[0].base}/v1/admin/reload", headers=ADMIN, timeout=120)
        assert reload.status_code == 200 and reload.json()["generation"] == generation
        servers[1].process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while client.get(f"{servers[1].base}/healthz").json()["index_version"] != generation:
            assert time.monotonic() < deadline, "SIGHUP did not reload"
            time.sleep(0.1)
        # The corpus still says approved, so the new generation does not include the retraction: it holds on both.
        assert not any(served(client, server.base) for server in servers)
        for server in servers:
            answer = client.post(f"{server.base}/v1/ask", json={"question": ASAS40, "top_k": 20}).json()
            assert answer["passages"] and SEED_ID not in {p["article_id"] for p in answer["passages"]}
        assert _seconds_until_both(client, servers, "approved") <= 1.0
    for log in ("replica-a.log", "replica-b.log"):
        assert "ASAS40" not in (tmp_path / log).read_text()  # questions are never logged
