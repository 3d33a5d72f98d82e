"""A real `followup serve` process: reload (HTTP and SIGHUP) under load, overrides across a restart, no index."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from index.embedder import Embedder
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.api.servers import free_port, running_server
from tests.conftest import CORPUS, SEED_ID

pytestmark = pytest.mark.e2e

TOKEN = "e2e-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
ASAS40 = "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at week 14 on upadacitinib?"


@contextmanager
def serve(index_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real server with the admin endpoints on; its log beside the index."""
    log = index_dir.parent / f"server-{time.monotonic_ns()}.log"
    with running_server(index_dir, log, {"FOLLOWUP_ADMIN_TOKEN": TOKEN}) as server:
        yield server.base, server.process


def _version(base: str) -> str:
    return str(httpx.get(f"{base}/healthz", timeout=5).json()["index_version"])


def test_reloads_under_load_fail_no_request(index_copy: Path, settings: PipelineSettings, embedder: Embedder) -> None:
    failures: list[str] = []
    answered = 0
    stop = threading.Event()
    lock = threading.Lock()

    def hammer(base: str) -> None:
        nonlocal answered
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                try:
                    response = client.post(f"{base}/v1/ask", json={"question": ASAS40, "top_k": 5})
                    ok = response.status_code == 200 and response.json()["passages"][0]["article_id"] == SEED_ID
                    if not ok:
                        failures.append(f"{response.status_code} {response.text[:200]}")
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                with lock:
                    answered += 1

    with serve(index_copy) as (base, _):
        threads = [threading.Thread(target=hammer, args=(base,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            for _ in range(4):
                generation = build_index(CORPUS, index_copy, settings, embedder).directory.name
                response = httpx.post(f"{base}/v1/admin/reload", headers=ADMIN, timeout=120)
                assert response.status_code == 200 and response.json()["generation"] == generation
                assert _version(base) == generation
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
    assert failures == []
    assert answered > 0


def test_sighup_reloads_and_a_bad_generation_keeps_the_old_one(
    index_copy: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    with serve(index_copy) as (base, process):
        newer = build_index(CORPUS, index_copy, settings, embedder).directory
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while _version(base) != newer.name:
            assert time.monotonic() < deadline, "SIGHUP did not reload within 60 s"
            time.sleep(0.2)
        broken = build_index(CORPUS, index_copy, settings, embedder).directory
        (broken / "dense.faiss").write_bytes(b"not an index")
        process.send_signal(signal.SIGHUP)
        time.sleep(3)
        assert _version(base) == newer.name
        response = httpx.post(f"{base}/v1/admin/reload", headers=ADMIN, timeout=60)
        assert response.status_code == 409 and "dense.faiss" in response.json()["detail"]
        assert httpx.post(f"{base}/v1/ask", json={"question": ASAS40}, timeout=30).status_code == 200


def test_a_status_override_survives_a_server_restart(index_copy: Path) -> None:
    with serve(index_copy) as (base, _):
        response = httpx.post(
            f"{base}/v1/admin/articles/{SEED_ID}/status",
            json={"status": "retracted", "reason": "withdrawn"},
            headers=ADMIN,
            timeout=30,
        )
        assert response.status_code == 200 and response.json()["status"] == "retracted"
    with serve(index_copy) as (base, _):
        assert httpx.get(f"{base}/v1/articles/{SEED_ID}", timeout=30).status_code == 404
        body = httpx.post(f"{base}/v1/ask", json={"question": ASAS40, "top_k": 50}, timeout=30).json()
        assert SEED_ID not in {p["article_id"] for p in body["passages"]}


def test_starts_without_an_index_and_becomes_ready_after_a_build(
    tmp_path: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    index_dir = tmp_path / "none-yet"
    with serve(index_dir) as (base, _):
        ready = httpx.get(f"{base}/readyz", timeout=5)
        assert ready.status_code == 503
        assert ready.json()["ready"] is False and "no index at" in ready.json()["reason"]
        build_index(CORPUS, index_dir, settings.replace(abstention=False), embedder)  # readiness is under test
        assert httpx.post(f"{base}/v1/admin/reload", headers=ADMIN, timeout=60).status_code == 200
        assert httpx.get(f"{base}/readyz", timeout=5).json()["ready"] is True


def test_refuses_to_start_with_admin_enabled_and_no_token(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "FOLLOWUP_ADMIN_ENABLED": "true"}
    env.pop("FOLLOWUP_ADMIN_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--port", str(free_port()), "--index", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: admin endpoints are enabled but FOLLOWUP_ADMIN_TOKEN is not set: set it or disable admin"
    ]
