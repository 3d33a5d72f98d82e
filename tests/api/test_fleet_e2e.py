"""Issue 37's acceptance run: three real `followup serve` replicas, each with its own index folder (as on separate
machines), one PostgreSQL; the first runs `--workers 2`. `followup index publish` is served by all three, by both
workers of the first, within 10 s, and a load loop running throughout sees no failed request; `followup fleet
status` and GET /v1/admin/fleet list every worker of the three."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app
from index.fleet.database import FleetDatabase
from index.store import POINTER
from tests.api.servers import Server, running_server, workers_of
from tests.fleet import Generations

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOKEN = "fleet-admin-token"
QUESTION = "How should methotrexate be monitored?"
SWITCH_SECONDS = 10.0


@contextmanager
def three_replicas(generations: Generations, url: str, tmp: Path) -> Iterator[list[Server]]:
    env = {
        "FOLLOWUP_ADMIN_TOKEN": TOKEN,
        "FOLLOWUP_OVERRIDES_URL": url,
        "FOLLOWUP_ABSTENTION": "false",
        "FOLLOWUP_VOCABULARY": "false",
        "FOLLOWUP_HEARTBEAT_SECONDS": "1",
    }
    options = [["--workers", "2"], [], []]  # the first replica's two workers are each a member of the fleet
    starting = [
        running_server(generations.copy(tmp / f"replica-{n}"), tmp / f"replica-{n}.log", env, options[n])
        for n in range(3)
    ]
    with ExitStack() as stack, ThreadPoolExecutor(len(starting)) as pool:
        futures = [pool.submit(server.__enter__) for server in starting]
        for server, future in zip(starting, futures, strict=True):
            if future.exception() is None:
                stack.push(server.__exit__)
        yield [future.result() for future in futures]


class Load:
    """Questions round-robin over the replicas from a thread until stopped: every status and latency kept."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = bases
        self.failures: list[str] = []
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            turn = 0
            while not self._stop.is_set():
                base = self.bases[turn % len(self.bases)]
                turn += 1
                started = time.perf_counter()
                try:
                    response = client.post(f"{base}/v1/ask", json={"question": QUESTION})
                except httpx.HTTPError as exc:
                    self.failures.append(f"{base}: {exc!r}")
                    continue
                self.latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    self.failures.append(f"{base}: {response.status_code} {response.text[:200]}")


def test_a_publish_is_served_by_three_replicas_within_10_s_without_a_failed_request(
    fleet_generations: Generations, postgres_url: str, tmp_path: Path
) -> None:
    source = fleet_generations.copy(tmp_path / "source", with_new=True)  # the publisher's folder, as a build left it:
    (source / POINTER).write_text(fleet_generations.new + "\n")  # CURRENT names the new generation
    env = {"FOLLOWUP_OVERRIDES_URL": postgres_url, "FOLLOWUP_ABSTENTION": "false", "FOLLOWUP_ADMIN_TOKEN": TOKEN}
    runner = CliRunner()
    with three_replicas(fleet_generations, postgres_url, tmp_path) as servers, httpx.Client(timeout=10) as client:
        database = FleetDatabase(postgres_url)
        deadline = time.monotonic() + 30
        while len(_members(database)) < 4:
            assert time.monotonic() < deadline, f"not every worker checked in: {_members(database)}"
            time.sleep(0.2)
        two_workers = servers[0]
        pids = {worker.pid for worker in workers_of(two_workers)}
        assert len(pids) == 2

        load = Load([server.base for server in servers])
        try:
            time.sleep(1)  # some traffic before the switch
            started = time.monotonic()
            published = runner.invoke(app, ["index", "publish", "--index", str(source), "--wait", "60"], env=env)
            assert published.exit_code == 0, published.output
            assert f"released {fleet_generations.new}" in published.output
            answered: dict[int, str | None] = {}  # the two-worker replica's pids, by the generation each last served
            while not (
                all(_serves(client, s) == fleet_generations.new for s in servers[1:])
                and {pid for pid, version in answered.items() if version == fleet_generations.new} == pids
            ):
                assert time.monotonic() - started < SWITCH_SECONDS, f"not served by every worker in 10 s: {answered}"
                # A new connection each time, so that either worker may take it.
                health = httpx.get(f"{two_workers.base}/healthz", timeout=10).json()
                answered[health["pid"]] = health["index_version"]
                time.sleep(0.02)
            switched = time.monotonic() - started
            time.sleep(1)  # and some after it
        finally:
            load.stop()
        assert not load.failures, load.failures[:5]
        p99 = float(np.percentile(load.latencies, 99)) * 1000
        print(
            f"served by all three (both workers of the first) {switched:.1f} s after the publish; "
            f"{len(load.latencies)} requests, p99 {p99:.0f} ms"
        )

        status = runner.invoke(app, ["fleet", "status"], env=env)
        assert status.exit_code == 0, status.output
        for server in servers:  # ADDRESS REPLICA WORKER GENERATION …: a line per worker
            lines = [line.split() for line in status.output.splitlines() if line.split()[:1] == [_address(server)]]
            assert all(fleet_generations.new in line and "STALE" not in line for line in lines)
            workers = {int(line[2]) for line in lines}
            assert workers == pids if server is two_workers else len(workers) == 1
        assert f"{fleet_generations.new} released" in status.output
        shown = client.get(f"{servers[0].base}/v1/admin/fleet", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert {m["generation"] for m in shown["members"]} == {fleet_generations.new}
        assert len(shown["members"]) == 4 and shown["publication"]["state"] == "released"
        assert {m["pid"] for m in shown["members"] if m["address"] == _address(two_workers)} == pids


def _members(database: FleetDatabase) -> list[str]:
    with database.session() as conn:
        return [m.replica for m in database.members(conn)]


def _address(server: Server) -> str:
    return server.base.removeprefix("http://")


def _serves(client: httpx.Client, server: Server) -> str | None:
    version: str | None = client.get(f"{server.base}/healthz").json()["index_version"]
    return version
