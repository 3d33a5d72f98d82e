"""The override-store suite runs against every store: SQLite (a file) and PostgreSQL (a throwaway server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from index.overrides import OverrideStore, open_override_store

OpenStore = Callable[[], OverrideStore]


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """Opens another store on one shared database each call: as a second server process (a replica) would."""
    db = tmp_path / "overrides.sqlite"
    url = SecretStr(request.getfixturevalue("postgres_url")) if request.param == "postgresql" else None
    opened: list[OverrideStore] = []

    def open_one() -> OverrideStore:
        opened.append(open_override_store(db, url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()
