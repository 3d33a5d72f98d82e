"""Keeps one replica in step with PostgreSQL from a background thread: LISTEN/NOTIFY, a poll, a resync per connect.

NOTIFY reaches only sessions listening when the change commits and is never replayed, so a notification is just
a wake-up and the caller's `sync` reads what changed. A lost one (a dropped connection, a pooler in between) costs
at most `POLL_SECONDS`; after every (re)connect the caller resyncs in full, whatever it missed meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import TupleRow

log = logging.getLogger("followup.overrides")

LISTENER_NAME = "followup-listener"  # application_name: what an operator sees in pg_stat_activity
POLL_SECONDS = 1.0  # the backstop when a notification is lost
WAKE_SECONDS = 0.1  # how often a quiet wait checks whether the store is closing
RETRY_SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)  # reconnect back-off: a killed connection retries at once
CONNECT_TIMEOUT = 5
# Without these a peer that vanishes silently (no RST) could leave a thread waiting on a dead socket for hours.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
TCP_USER_TIMEOUT_MS = 15_000

Sync = Callable[["psycopg.Connection[TupleRow]", bool], None]  # (connection, full resync?)


def connect(url: str, application_name: str) -> psycopg.Connection[TupleRow]:
    """An autocommit connection that notices a dead server within seconds, named for pg_stat_activity."""
    conninfo = make_conninfo(
        url,
        application_name=application_name,
        connect_timeout=CONNECT_TIMEOUT,
        tcp_user_timeout=TCP_USER_TIMEOUT_MS,
        **KEEPALIVES,
    )
    return psycopg.connect(conninfo, autocommit=True)


class ChangeListener:
    """Calls `sync(connection, full=True)` after each connect, then `sync(connection, False)` on every NOTIFY
    on `channel` and at least every `POLL_SECONDS`, until `close()`. Failures are logged and retried. `name`: the
    connection's application_name and the thread's name (the fleet follower listens apart from review status)."""

    def __init__(self, conninfo: str, channel: str, sync: Sync, name: str = LISTENER_NAME) -> None:
        self._conninfo = conninfo
        self._name = name
        self._listen = sql.SQL("LISTEN {}").format(sql.Identifier(channel))
        self._sync = sync
        self._stop = threading.Event()
        self.connected = threading.Event()
        # A daemon: a one-shot command that forgets to close its store must still be able to exit.
        self._thread = threading.Thread(target=self._run, name=f"{name}-thread", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=WAKE_SECONDS + CONNECT_TIMEOUT + 1)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                with connect(self._conninfo, self._name) as conn:
                    conn.execute(self._listen)  # before the resync: a change committed in between still wakes us
                    self._sync(conn, True)
                    if failures:
                        log.info("%s reconnected and resynced", self._name)
                    failures = 0
                    self.connected.set()
                    self._follow(conn)
            except Exception as exc:  # the thread must outlive any one failure; the next connect starts afresh
                self.connected.clear()
                if self._stop.is_set():
                    break
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("%s: %s; reconnecting in %.2f s", self._name, _first_line(exc), delay)
                self._stop.wait(delay)
        self.connected.clear()

    def _follow(self, conn: psycopg.Connection[TupleRow]) -> None:
        next_poll = time.monotonic() + POLL_SECONDS
        while not self._stop.is_set():
            woken = False
            for _ in conn.notifies(timeout=WAKE_SECONDS, stop_after=1):
                woken = True
            if woken or time.monotonic() >= next_poll:
                self._sync(conn, False)
                next_poll = time.monotonic() + POLL_SECONDS


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
