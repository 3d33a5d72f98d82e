"""Latency figures: percentiles of repeated calls in-process, and of `POST /v1/ask` against a real server process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import psutil


def summary(seconds: Sequence[float], wall: float | None = None) -> dict[str, float]:
    """p50/p95/p99/mean in milliseconds; with the wall time of the whole run, throughput in requests/s."""
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    out = {
        "n": float(len(ms)),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "mean_ms": float(ms.mean()),
    }
    if wall is not None:
        out["rps"] = len(ms) / wall
    return out


def time_calls(call: Callable[[str], object], queries: Sequence[str], warmup: int = 5) -> list[float]:
    for query in queries[:warmup]:
        call(query)
    times = []
    for query in queries:
        started = time.perf_counter()
        call(query)
        times.append(time.perf_counter() - started)
    return times


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A real `uvicorn` process serving an index; `workers` > 1 uses uvicorn's process manager."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @classmethod
    def start(cls, index_dir: Path, workers: int, log: Path, env: dict[str, str] | None = None) -> Server:
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.asgi:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        environment = {**os.environ, **(env or {}), "FOLLOWUP_INDEX_DIR": str(index_dir)}
        handle = log.open("wb")
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=environment)
        server = cls(process, f"http://127.0.0.1:{port}", log)
        server._wait_ready(timeout=900)
        return server

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"server not ready after {timeout:.0f}s; see {self.log}")

    def memory(self) -> dict[str, float]:
        """RSS in MB of the server and its workers, split into anonymous (heap) and file-backed (mapped) pages."""
        processes = [psutil.Process(self.process.pid)]
        processes += processes[0].children(recursive=True)
        totals = {"rss_mb": 0.0, "rss_anon_mb": 0.0, "rss_file_mb": 0.0, "pss_mb": 0.0}
        for proc in processes:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                totals["rss_mb"] += proc.memory_info().rss / 1e6
                totals["rss_anon_mb"] += int(fields["RssAnon"].split()[0]) / 1e3
                totals["rss_file_mb"] += int(fields["RssFile"].split()[0]) / 1e3
                totals["pss_mb"] += proc.memory_full_info().pss / 1e6
            except (psutil.Error, OSError, KeyError):
                continue
        return {k: round(v, 1) for k, v in totals.items()} | {"processes": float(len(processes))}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def http_load(url: str, queries: Sequence[str], mode: str, concurrency: int, requests: int) -> dict[str, float]:
    """`requests` asks spread over `concurrency` client threads, each with its own keep-alive connection."""
    times: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=60) as client:
            client.post("/v1/ask", json={"question": queries[0], "mode": mode})  # connect before timing
            barrier.wait()
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                body = {"question": queries[number % len(queries)], "mode": mode, "top_k": 5}
                started = time.perf_counter()
                try:
                    failed = client.post("/v1/ask", json=body).status_code != 200
                except httpx.HTTPError:
                    failed = True  # counted, not timed: a lost request must not vanish from the figures
                elapsed = time.perf_counter() - started
                with lock:
                    errors += failed
                    if not failed:
                        times.append(elapsed)

    barrier = threading.Barrier(concurrency + 1)
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return summary(times, wall) | {"errors": float(errors), "concurrency": float(concurrency)}
