"""The shared override store: PostgreSQL, so server replicas on several machines serve one review status.

Every change bumps the one row of `followup_override_clock` in the transaction that makes it. That row lock is
held to commit, so versions commit in order: a replica that has applied version n has seen every change up to n
and next reads only rows above it. NOTIFY at commit wakes the other replicas at once (`listener.py`); a change
made here is applied here before `set_status` returns, so the next request on this server already sees it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import MappingProxyType

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow

from corpus.model import ReviewStatus
from index.overrides.listener import ChangeListener, connect
from index.overrides.model import (
    AUDIT_COLUMNS,
    AuditEntry,
    Override,
    OverrideStore,
    OverridesUnavailable,
    Snapshot,
    audit_entry,
    audit_values,
)

CHANNEL = "followup_overrides"
WRITER_NAME = "followup"  # application_name of the short-lived connections that write and read the audit trail
SCHEMA_LOCK = 0x466F6C6C6F777570  # advisory lock key ("Followup"): replicas starting together create tables once
SCHEMA = """
CREATE TABLE IF NOT EXISTS followup_override_clock (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    version BIGINT NOT NULL
);
INSERT INTO followup_override_clock (version) VALUES (0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS followup_overrides (
    article_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    set_at TIMESTAMPTZ NOT NULL,
    included_in TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS followup_overrides_version ON followup_overrides (version);
CREATE TABLE IF NOT EXISTS followup_audit (
    id BIGSERIAL PRIMARY KEY,
    article_id TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    who TEXT NOT NULL,
    reason TEXT NOT NULL,
    old_status TEXT,
    new_status TEXT NOT NULL,
    generation TEXT
);
CREATE INDEX IF NOT EXISTS followup_audit_article ON followup_audit (article_id, id);
"""

Connection = psycopg.Connection[TupleRow]


class PostgresOverrideStore(OverrideStore):
    """Thread-safe; `snapshot()` only reads a reference, which the listener thread and local writes replace."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._sync_lock = threading.Lock()  # one sync at a time, so the snapshot and `_version` move together
        self._snapshot: Snapshot = MappingProxyType({})
        self._version = 0
        with self._session() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                conn.execute(SCHEMA)
            self._sync(conn, True)
        self._listener = ChangeListener(url, CHANNEL, self._sync)

    def close(self) -> None:
        self._listener.close()

    @property
    def following(self) -> bool:
        """Whether the listener is connected now (it reconnects by itself)."""
        return self._listener.connected.is_set()

    def snapshot(self) -> Snapshot:
        return self._snapshot

    def _record(self, override: Override, entry: AuditEntry) -> None:
        with self._session() as conn:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO followup_overrides (article_id, status, set_at, included_in, version) "
                    "VALUES (%s, %s, %s, NULL, %s) ON CONFLICT (article_id) DO UPDATE SET status = excluded.status, "
                    "set_at = excluded.set_at, included_in = NULL, version = excluded.version",
                    (override.article_id, override.status.value, override.set_at, _next_version(conn)),
                )
                _audit(conn, entry)
                conn.execute("SELECT pg_notify(%s, '')", (CHANNEL,))
            self._sync(conn, False)

    def _include(self, generation: str, included: list[tuple[Override, AuditEntry]]) -> list[str]:
        marked: list[str] = []
        with self._session() as conn:
            with conn.transaction():
                version = _next_version(conn)
                for override, entry in included:
                    cursor = conn.execute(
                        "UPDATE followup_overrides SET included_in = %s, version = %s "
                        "WHERE article_id = %s AND set_at = %s AND included_in IS NULL",
                        (generation, version, override.article_id, override.set_at),
                    )
                    if cursor.rowcount == 1:
                        _audit(conn, entry)
                        marked.append(override.article_id)
                conn.execute("SELECT pg_notify(%s, '')", (CHANNEL,))
            self._sync(conn, False)
        return marked

    def audit(self, article_id: str | None = None) -> list[AuditEntry]:
        query = f"SELECT {AUDIT_COLUMNS} FROM followup_audit"
        args: tuple[str, ...] = ()
        if article_id is not None:
            query, args = query + " WHERE article_id = %s", (article_id,)
        with self._session() as conn:
            rows = conn.execute(query + " ORDER BY id", args).fetchall()
        return [audit_entry(row, row[1]) for row in rows]

    def _sync(self, conn: Connection, full: bool) -> None:
        """Applies the rows above the last version applied (every row when `full`: after a reconnect)."""
        with self._sync_lock:
            since = 0 if full else self._version
            rows = conn.execute(
                "SELECT article_id, status, set_at, included_in, version FROM followup_overrides "
                "WHERE version > %s ORDER BY version",
                (since,),
            ).fetchall()
            if not rows and not full:
                return
            current = {} if full else dict(self._snapshot)
            for article_id, status, set_at, included_in, _ in rows:
                current[article_id] = Override(article_id, ReviewStatus(status), set_at, included_in)
            if current != self._snapshot:  # an unchanged snapshot keeps its identity (caches key on it)
                self._snapshot = MappingProxyType(current)  # the swap: one reference assignment
            self._version = rows[-1][4] if rows else 0

    @contextmanager
    def _session(self) -> Iterator[Connection]:
        """A short-lived connection: nothing to go stale between the rare writes, and a killed one costs nothing."""
        try:
            with connect(self._url, WRITER_NAME) as conn:
                yield conn
        except psycopg.OperationalError as exc:
            raise OverridesUnavailable(
                f"the review-status database {describe(self._url)} is unavailable ({' '.join(str(exc).split())}); "
                "check that PostgreSQL is running and FOLLOWUP_OVERRIDES_URL"
            ) from exc


def describe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    part = conninfo_to_dict(url)
    return (
        f"postgresql://{part.get('user', '')}@{part.get('host', '')}:{part.get('port', 5432)}/{part.get('dbname', '')}"
    )


def _next_version(conn: Connection) -> int:
    row = conn.execute("UPDATE followup_override_clock SET version = version + 1 RETURNING version").fetchone()
    assert row is not None  # the schema inserts the one row
    return int(row[0])


def _audit(conn: Connection, entry: AuditEntry) -> None:
    values = audit_values(entry, entry.at)
    conn.execute(f"INSERT INTO followup_audit ({AUDIT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)", values)
