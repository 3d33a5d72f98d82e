"""The shared real server of the HTTP and browser end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.servers import running_server


@pytest.fixture(scope="session")
def server(sample_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(sample_index_dir, tmp_path_factory.mktemp("server") / "server.log") as running:
        yield running.base
