"""Feedback in a SQLite file of its own (default `<index>/feedback.sqlite`), never the review-status file, so a
flood of votes holds no lock an editor's status change waits for. Its HMAC secret is the `.key` file beside it."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from api.feedback.digest import Digester, file_secret
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

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, {columns(sqlite=True)}, UNIQUE ({VOTE_KEY}));
CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at);
"""
_UPSERT = (
    f"INSERT INTO feedback ({COLUMNS}) VALUES ({', '.join('?' for _ in TABLE)}) "
    f"ON CONFLICT ({VOTE_KEY}) DO UPDATE SET {REPLACED} RETURNING id"
)


log = logging.getLogger("followup.feedback")


def secret_path(db: Path) -> Path:
    return db.with_suffix(".key")


class SqliteFeedbackStore:
    """Thread-safe. Times are ISO text in UTC to the microsecond, so that they sort as they compare."""

    def __init__(self, path: Path, bounds: Bounds, clock: Callable[[], dt.datetime] = utc_now) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.digester = Digester(file_secret(secret_path(path)))
        self._schedule = PruneSchedule(bounds)
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a vote lost to a power cut is acceptable; a stall is not
        self._db.executescript(SCHEMA)

    def add(self, feedback: Feedback, keep_question: bool) -> int:
        row = feedback.row(self.digester, keep_question, self._now())
        try:
            with self._lock:
                (stored_id,) = self._db.execute(_UPSERT, row).fetchone()
        except sqlite3.OperationalError as exc:  # locked past the timeout, disk full…
            raise FeedbackUnavailable(f"feedback could not be stored in {self.path}: {exc}") from exc
        if self._schedule.due():
            try:
                self.prune()
            except sqlite3.OperationalError as exc:  # the vote is stored; the next scheduled prune catches up
                log.warning("feedback prune skipped: %s", exc)
        return int(stored_id)

    def all(self) -> list[StoredFeedback]:
        with self._lock:
            rows = self._db.execute(f"SELECT {READ} FROM feedback ORDER BY id").fetchall()
        return [stored(row) for row in rows]

    def count(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT count(*) FROM feedback").fetchone()
        return int(count)

    def prune(self) -> int:
        bounds = self._schedule.bounds
        cutoff = bounds.cutoff(self._clock()).isoformat(timespec="microseconds")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                old = self._db.execute("DELETE FROM feedback WHERE at < ?", (cutoff,)).rowcount
                over = self._db.execute(
                    "DELETE FROM feedback WHERE id IN "
                    "(SELECT id FROM feedback ORDER BY at DESC, id DESC LIMIT -1 OFFSET ?)",
                    (bounds.max_rows,),
                ).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return old + over

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _now(self) -> str:
        return self._clock().astimezone(dt.UTC).isoformat(timespec="microseconds")
