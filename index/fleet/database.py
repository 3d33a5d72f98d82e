"""The fleet's tables in the PostgreSQL database the replicas share for review status (`FOLLOWUP_OVERRIDES_URL`).

`followup_publications`: each generation announced, the canaries it names and their decision, made once (a
compare-and-set on `state = 'canary'`, so several workers of a canary, or a canary and a publisher that gave up
waiting, cannot both decide). `followup_fleet_members`: each serving process as it last checked in. Every publish
and decision NOTIFYs `CHANNEL`, which the replicas' followers LISTEN on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from index.fleet.model import FleetUnavailable, Member, Publication, PublicationState
from index.overrides.listener import connect
from index.overrides.postgres import SCHEMA_LOCK, describe

CHANNEL = "followup_fleet"
CLIENT_NAME = "followup-fleet"  # application_name of the short-lived connections of publishers and status readers
SCHEMA = """
CREATE TABLE IF NOT EXISTS followup_publications (
    id BIGSERIAL PRIMARY KEY,
    generation TEXT NOT NULL,
    source TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    canaries TEXT[] NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('canary', 'released', 'failed')),
    reason TEXT NOT NULL DEFAULT '',
    probe JSONB NOT NULL DEFAULT '{}',
    probe_set JSONB,
    who TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS followup_fleet_members (
    replica TEXT NOT NULL,
    pid INTEGER NOT NULL,
    address TEXT NOT NULL,
    generation TEXT,
    switched_at TIMESTAMPTZ,
    canary BOOLEAN NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (replica, pid)
);
"""
PUBLICATION_COLUMNS = (
    "id, generation, source, manifest_sha256, canaries, state, reason, probe, probe_set, who, published_at, decided_at"
)
MEMBER_COLUMNS = "replica, pid, address, generation, switched_at, canary, last_seen"

Connection = psycopg.Connection[TupleRow]


class FleetDatabase:
    """Every method takes an open connection (the follower's listener connection) or opens a short-lived one."""

    def __init__(self, url: str) -> None:
        """Connects only when used: a replica that starts while the database is down follows once it is back."""
        self.url = url
        self._schema_made = False

    def ensure_schema(self, conn: Connection) -> None:
        """Creates the tables if missing (once per object), under the lock the override store takes for its own."""
        if not self._schema_made:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))  # replicas starting together
                conn.execute(SCHEMA)
            self._schema_made = True

    @contextmanager
    def session(self) -> Iterator[Connection]:
        """A short-lived connection with the tables made; `FleetUnavailable` when the database cannot be reached."""
        try:
            with connect(self.url, CLIENT_NAME) as conn:
                self.ensure_schema(conn)
                yield conn
        except psycopg.OperationalError as exc:
            raise FleetUnavailable(
                f"the fleet database {describe(self.url)} is unavailable ({' '.join(str(exc).split())}); "
                "check that PostgreSQL is running and FOLLOWUP_OVERRIDES_URL"
            ) from exc

    def publish(
        self,
        conn: Connection,
        generation: str,
        source: str,
        manifest_sha256: str,
        canaries: Sequence[str],
        who: str,
        probe_set: list[dict[str, Any]] | None = None,
    ) -> Publication:
        """Announces a generation; an undecided earlier publication is failed as superseded. `probe_set`: the
        questions the canary asks (gold-question fields), None for its own default."""
        now = dt.datetime.now(dt.UTC)
        with conn.transaction():
            cursor = conn.execute(
                "INSERT INTO followup_publications (generation, source, manifest_sha256, canaries, state, probe_set, "
                f"who, published_at) VALUES (%s, %s, %s, %s, 'canary', %s, %s, %s) RETURNING {PUBLICATION_COLUMNS}",
                (generation, source, manifest_sha256, list(canaries), _json(probe_set), who, now),
            )
            row = cursor.fetchone()
            assert row is not None
            published = _publication(row)
            conn.execute(
                "UPDATE followup_publications SET state = 'failed', reason = %s, decided_at = %s "
                "WHERE state = 'canary' AND id < %s",
                (f"superseded by publication {published.id} ({generation})", now, published.id),
            )
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(published.id)))
        return published

    def decide(
        self, conn: Connection, publication: int, state: PublicationState, reason: str, probe: dict[str, Any]
    ) -> bool:
        """Records the decision unless one was made already (by another worker, or a publisher that timed out)."""
        with conn.transaction():
            cursor = conn.execute(
                "UPDATE followup_publications SET state = %s, reason = %s, probe = %s, decided_at = %s "
                "WHERE id = %s AND state = 'canary'",
                (state.value, reason, Jsonb(probe), dt.datetime.now(dt.UTC), publication),
            )
            if cursor.rowcount == 1:
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(publication)))
        return cursor.rowcount == 1

    def get(self, conn: Connection, publication: int) -> Publication | None:
        row = conn.execute(
            f"SELECT {PUBLICATION_COLUMNS} FROM followup_publications WHERE id = %s", (publication,)
        ).fetchone()
        return _publication(row) if row else None

    def latest(self, conn: Connection) -> Publication | None:
        row = conn.execute(
            f"SELECT {PUBLICATION_COLUMNS} FROM followup_publications ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return _publication(row) if row else None

    def released(self, conn: Connection, limit: int = 1) -> list[Publication]:
        """The latest released publications, newest first: what the fleet serves, and before it."""
        rows = conn.execute(
            f"SELECT {PUBLICATION_COLUMNS} FROM followup_publications WHERE state = 'released' "
            "ORDER BY id DESC LIMIT %s",
            (limit,),
        ).fetchall()
        return [_publication(row) for row in rows]

    def check_in(self, conn: Connection, member: Member) -> None:
        conn.execute(
            f"INSERT INTO followup_fleet_members ({MEMBER_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (replica, pid) DO UPDATE SET address = excluded.address, generation = excluded.generation, "
            "switched_at = excluded.switched_at, canary = excluded.canary, last_seen = excluded.last_seen",
            (
                member.replica,
                member.pid,
                member.address,
                member.generation,
                member.switched_at,
                member.canary,
                member.last_seen,
            ),
        )

    def leave(self, conn: Connection, replica: str, pid: int) -> None:
        """A process that stops cleanly leaves the list; a killed one stays, shown stale."""
        conn.execute("DELETE FROM followup_fleet_members WHERE replica = %s AND pid = %s", (replica, pid))

    def members(self, conn: Connection) -> list[Member]:
        rows = conn.execute(f"SELECT {MEMBER_COLUMNS} FROM followup_fleet_members ORDER BY replica, pid").fetchall()
        return [Member(*row) for row in rows]


def _json(value: list[dict[str, Any]] | None) -> Jsonb | None:
    return Jsonb(value) if value is not None else None


def _publication(row: Sequence[Any]) -> Publication:
    values = list(row)
    values[4] = tuple(values[4])
    values[5] = PublicationState(values[5])
    return Publication(*values)
