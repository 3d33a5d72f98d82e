"""The embedded override store: one SQLite file (WAL), read by every server process on the machine."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType

from corpus.model import ReviewStatus
from index.overrides.model import (
    AUDIT_COLUMNS,
    AuditEntry,
    Override,
    OverrideStore,
    Snapshot,
    audit_entry,
    audit_values,
)

# How stale a snapshot may be when another process (a second server, the CLI) wrote the database.
REFRESH_SECONDS = 0.5

SCHEMA = """
CREATE TABLE IF NOT EXISTS overrides (
    article_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    set_at TEXT NOT NULL,
    included_in TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    reason TEXT NOT NULL,
    old_status TEXT,
    new_status TEXT NOT NULL,
    generation TEXT
);
"""


class SqliteOverrideStore(OverrideStore):
    """Thread-safe; `snapshot()` is cheap (a cached mapping, re-read only after another process commits)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._snapshot: Snapshot = self._read()
        self._version = self._data_version()
        self._checked = time.monotonic()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def snapshot(self) -> Snapshot:
        if time.monotonic() - self._checked >= REFRESH_SECONDS:
            with self._lock:
                version = self._data_version()
                if version != self._version:
                    self._snapshot, self._version = self._read(), version
                self._checked = time.monotonic()
        return self._snapshot

    def _record(self, override: Override, entry: AuditEntry) -> None:
        with self._write():
            self._db.execute(
                "INSERT INTO overrides (article_id, status, set_at, included_in) VALUES (?, ?, ?, NULL) "
                "ON CONFLICT(article_id) DO UPDATE SET status = excluded.status, set_at = excluded.set_at, "
                "included_in = NULL",
                (override.article_id, override.status.value, override.set_at.isoformat()),
            )
            self._audit(entry)

    def _include(self, generation: str, included: list[tuple[Override, AuditEntry]]) -> list[str]:
        marked: list[str] = []
        with self._write():
            for override, entry in included:
                cursor = self._db.execute(
                    "UPDATE overrides SET included_in = ? WHERE article_id = ? AND set_at = ? AND included_in IS NULL",
                    (generation, override.article_id, override.set_at.isoformat()),
                )
                if cursor.rowcount == 1:
                    self._audit(entry)
                    marked.append(override.article_id)
        return marked

    def audit(self, article_id: str | None = None) -> list[AuditEntry]:
        query = f"SELECT {AUDIT_COLUMNS} FROM audit"
        args: tuple[str, ...] = ()
        if article_id is not None:
            query, args = query + " WHERE article_id = ?", (article_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [audit_entry(row, dt.datetime.fromisoformat(row[1])) for row in rows]

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction under the lock; this process's snapshot is re-read once it commits."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._snapshot, self._version = self._read(), self._data_version()

    def _audit(self, entry: AuditEntry) -> None:
        values = audit_values(entry, entry.at.isoformat())
        self._db.execute(f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", values)

    def _read(self) -> Snapshot:
        rows = self._db.execute("SELECT article_id, status, set_at, included_in FROM overrides").fetchall()
        return MappingProxyType(
            {row[0]: Override(row[0], ReviewStatus(row[1]), dt.datetime.fromisoformat(row[2]), row[3]) for row in rows}
        )

    def _data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])
