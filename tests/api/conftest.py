"""The real `followup serve` process on a free port, shared by the HTTP and browser end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(index_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`followup serve` in its own process until the block ends; its log goes to a file (a pipe could fill up)."""
    port = free_port()
    command = [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--index", str(index_dir)]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"server exited early:\n{log.read()}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.25)
            else:
                pytest.fail("server did not become healthy within 120 s")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def server(sample_index_dir: Path) -> Iterator[str]:
    with running_server(sample_index_dir) as base:
        yield base
