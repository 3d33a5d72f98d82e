"""The shared real server of the HTTP and browser end-to-end tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.servers import Server, running_server


@pytest.fixture
def index_copy(sample_index_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample index (without its overrides and feedback) for a test that builds, reloads,
    retracts or gives feedback."""
    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy, ignore=shutil.ignore_patterns("overrides.sqlite*", "feedback.*"))
    return copy


@pytest.fixture(scope="session")
def served(sample_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One `followup serve` with the served defaults for every test that only reads (HTTP, browser, logs)."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with running_server(sample_index_dir, log, {"FOLLOWUP_LOG_QUESTIONS": "false"}) as running:
        yield running


@pytest.fixture(scope="session")
def server(served: Server) -> str:
    return served.base
