"""A real `followup serve` process on a free port, for every end-to-end test (HTTP, browser, logs, reloads)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def running_server(
    index_dir: Path, log: Path, env: dict[str, str] | None = None, options: Sequence[str] = ()
) -> Iterator[Server]:
    """`followup serve [options]` until the block ends, once it answers /healthz; its output goes to `log` (a pipe
    nobody reads could fill up and stall the server)."""
    port = free_port()
    command = [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--index", str(index_dir), *options]
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}, stdout=sink, stderr=subprocess.STDOUT
        )
        server = Server(f"http://127.0.0.1:{port}", process, log)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    pytest.fail(f"server exited early:\n{log.read_text()}")
                try:
                    if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.25)
            else:
                pytest.fail(f"server did not answer /healthz within 120 s:\n{log.read_text()}")
            yield server
        finally:
            process.terminate()
            process.wait(timeout=30)


def workers_of(server: Server) -> list[psutil.Process]:
    """The worker processes of a `followup serve --workers N` (not multiprocessing's resource tracker, which is the
    supervisor's child too)."""
    children = psutil.Process(server.process.pid).children()
    return [child for child in children if "resource_tracker" not in " ".join(child.cmdline())]
