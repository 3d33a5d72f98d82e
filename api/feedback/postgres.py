"""Feedback in PostgreSQL (FOLLOWUP_OVERRIDES_URL): tables of its own beside the review-status tables, written
through a small pool of its own, so a flood of votes can hold at most `POOL_SIZE` connections and never a lock an
editor's status change waits for. The HMAC secret is the one row of `followup_feedback_secret`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from api.feedback.digest import Digester, new_secret
from api.feedback.model import (
    COLUMNS,
    READ,
    REPLACED,
    TABLE,
    VOTE_KEY,
    Bounds,
    Feedback,
    FeedbackUnavailable,
    PruneSchedule,
    StoredFeedback,
    columns,
    stored,
    utc_now,
)
from index.overrides.listener import CONNECT_TIMEOUT, KEEPALIVES, TCP_USER_TIMEOUT_MS
from index.overrides.postgres import describe

log = logging.getLogger("followup.feedback")

APPLICATION_NAME = "followup-feedback"  # what an operator sees in pg_stat_activity
POOL_SIZE = 4  # connections feedback may hold at once, whatever the traffic
WAIT_SECONDS = 2.0  # a vote waits this long for a free connection, then gets 503
MAX_WAITING = 32  # votes queued for a connection beyond this get 503 at once
STATEMENT_TIMEOUT_MS = 5000
SCHEMA_LOCK = 0x466565646261636B  # advisory lock key ("Feedback"): replicas starting together create tables once
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS followup_feedback_secret (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    secret BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS followup_feedback_votes (
    id BIGSERIAL PRIMARY KEY, {columns(sqlite=False)}, UNIQUE ({VOTE_KEY})
);
CREATE INDEX IF NOT EXISTS followup_feedback_votes_at ON followup_feedback_votes (at);
"""
_UPSERT = (
    f"INSERT INTO followup_feedback_votes ({COLUMNS}) VALUES ({', '.join('%s' for _ in TABLE)}) "
    f"ON CONFLICT ({VOTE_KEY}) DO UPDATE SET {REPLACED} RETURNING id"
)


class PostgresFeedbackStore:
    """Thread-safe (the pool hands each call its own connection)."""

    def __init__(self, url: str, bounds: Bounds, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._where = describe(url)
        self._schedule = PruneSchedule(bounds)
        self._clock = clock
        conninfo = make_conninfo(
            url,
            application_name=APPLICATION_NAME,
            connect_timeout=CONNECT_TIMEOUT,
            tcp_user_timeout=TCP_USER_TIMEOUT_MS,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            **KEEPALIVES,
        )
        self._pool: ConnectionPool[psycopg.Connection[TupleRow]] = ConnectionPool(
            conninfo,
            kwargs={"autocommit": True},
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            name=APPLICATION_NAME,
            timeout=WAIT_SECONDS,
            max_waiting=MAX_WAITING,
            check=ConnectionPool.check_connection,  # a connection the server dropped is replaced, not used
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except psycopg.OperationalError as exc:
            self._pool.close()
            raise self._unavailable(exc) from exc
        self.digester = Digester(self._secret())

    def add(self, feedback: Feedback, keep_question: bool) -> int:
        with self._connection() as conn:
            row = conn.execute(_UPSERT, feedback.row(self.digester, keep_question, self._clock())).fetchone()
        if self._schedule.due():
            try:
                self.prune()
            except FeedbackUnavailable as exc:  # the vote is stored; the next scheduled prune catches up
                log.warning("feedback prune skipped: %s", exc)
        return int(row[0]) if row else 0

    def all(self) -> list[StoredFeedback]:
        with self._connection() as conn:
            rows = conn.execute(f"SELECT {READ} FROM followup_feedback_votes ORDER BY id").fetchall()
        return [stored(tuple(row)) for row in rows]

    def count(self) -> int:
        with self._connection() as conn:
            row = conn.execute("SELECT count(*) FROM followup_feedback_votes").fetchone()
        return int(row[0]) if row else 0

    def prune(self) -> int:
        bounds = self._schedule.bounds
        with self._connection() as conn, conn.transaction():
            old = conn.execute(
                "DELETE FROM followup_feedback_votes WHERE at < %s", (bounds.cutoff(self._clock()),)
            ).rowcount
            over = conn.execute(
                "DELETE FROM followup_feedback_votes WHERE id IN "
                "(SELECT id FROM followup_feedback_votes ORDER BY at DESC, id DESC OFFSET %s)",
                (bounds.max_rows,),
            ).rowcount
        return old + over

    def close(self) -> None:
        self._pool.close()

    def _secret(self) -> bytes:
        """This deployment's secret, made by whichever replica starts first."""
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute(SCHEMA)
            made = new_secret()
            conn.execute("INSERT INTO followup_feedback_secret (secret) VALUES (%s) ON CONFLICT DO NOTHING", (made,))
            row = conn.execute("SELECT secret FROM followup_feedback_secret").fetchone()
        assert row is not None  # inserted just above if it was missing
        return bytes(row[0])

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[TupleRow]]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except psycopg.OperationalError as exc:  # unreachable, pool exhausted (PoolTimeout), statement timeout
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: Exception) -> FeedbackUnavailable:
        return FeedbackUnavailable(
            f"the feedback database {self._where} is unavailable ({type(exc).__name__}); check FOLLOWUP_OVERRIDES_URL"
        )
