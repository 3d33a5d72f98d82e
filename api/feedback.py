"""Clinicians' feedback on answers, kept where review status is kept, and exported as gold questions.

A passage marked helpful is a relevant passage for its question; "none of these answer" marks the question as one
no approved article answers. Exported in the gold format (eval/datasets.py), they are what `followup eval --gold`
scores and what `FOLLOWUP_ANSWERABILITY_CALIBRATION` calibrates the answerability threshold on: the deployment's
own questions, not ours. Questions may hold patient details, so their text (and the earlier turns) is stored only
with `FOLLOWUP_FEEDBACK_QUESTIONS=true`; otherwise a SHA-256 digest groups the feedback on one question, and such
feedback cannot become a gold question (the export counts it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import psycopg
from psycopg.rows import TupleRow
from pydantic import SecretStr

from index.overrides.listener import connect
from index.overrides.model import OverridesUnavailable
from index.overrides.postgres import describe

# (name, SQLite type, PostgreSQL type) after the id; the question and its history are NULL unless kept
_TABLE = (
    ("at", "TEXT", "TIMESTAMPTZ"),
    ("kind", "TEXT", "TEXT"),
    ("chunk_id", "TEXT", "TEXT"),
    ("article_id", "TEXT", "TEXT"),
    ("question_sha256", "TEXT NOT NULL", "TEXT NOT NULL"),
    ("question", "TEXT", "TEXT"),
    ("history", "TEXT", "TEXT"),
    ("index_version", "TEXT", "TEXT"),
)
SQLITE_SCHEMA = "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, {});".format(
    ", ".join(f"{name} {kind}" for name, kind, _ in _TABLE)
)
POSTGRES_SCHEMA = "CREATE TABLE IF NOT EXISTS followup_feedback (id BIGSERIAL PRIMARY KEY, {});".format(
    ", ".join(f"{name} {kind}" for name, _, kind in _TABLE)
)
_COLUMNS = ", ".join(name for name, _, _ in _TABLE)
_READ = "kind, chunk_id, article_id, question_sha256, question, history"  # what `_stored` reads, in its order


class FeedbackKind(StrEnum):
    HELPFUL = "helpful"  # this passage answers the question
    NOT_HELPFUL = "not_helpful"  # this passage does not
    NONE_ANSWER = "none_answer"  # none of the passages shown answers the question


@dataclass(frozen=True)
class Feedback:
    kind: FeedbackKind
    question: str
    article_id: str | None
    history: tuple[str, ...]
    chunk_id: str | None
    index_version: str | None

    def row(self, keep_question: bool, at: dt.datetime | str) -> tuple[object, ...]:
        """The stored row: the question's text and earlier turns only when kept, its digest always."""
        digest = question_digest(self.question, self.article_id, self.history)
        text = self.question if keep_question else None
        history = json.dumps(list(self.history)) if keep_question else None
        return (at, self.kind.value, self.chunk_id, self.article_id, digest, text, history, self.index_version)


def question_digest(question: str, article_id: str | None, history: tuple[str, ...]) -> str:
    """One question asked in one context, whether or not its text is stored."""
    payload = json.dumps([question, article_id, list(history)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class StoredFeedback:
    kind: FeedbackKind
    chunk_id: str | None
    article_id: str | None
    question_sha256: str
    question: str | None
    history: tuple[str, ...]


class FeedbackStore(Protocol):
    def add(self, feedback: Feedback, keep_question: bool) -> int: ...

    def all(self) -> list[StoredFeedback]: ...


class SqliteFeedbackStore:
    """A table in the SQLite file of the review-status overrides."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SQLITE_SCHEMA)

    def add(self, feedback: Feedback, keep_question: bool) -> int:
        row = feedback.row(keep_question, dt.datetime.now(dt.UTC).isoformat())  # SQLite has no timestamp type
        with self._lock:
            cursor = self._db.execute(f"INSERT INTO feedback ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        return int(cursor.lastrowid or 0)

    def all(self) -> list[StoredFeedback]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_READ} FROM feedback ORDER BY id").fetchall()
        return [_stored(row) for row in rows]

    def close(self) -> None:
        self._db.close()


class PostgresFeedbackStore:
    """A table beside the review-status tables (FOLLOWUP_OVERRIDES_URL); a short-lived connection per write."""

    def __init__(self, url: str) -> None:
        self._url = url
        with self._connect() as conn:
            conn.execute(POSTGRES_SCHEMA)

    def add(self, feedback: Feedback, keep_question: bool) -> int:
        with self._connect() as conn:
            row = conn.execute(
                f"INSERT INTO followup_feedback ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                feedback.row(keep_question, dt.datetime.now(dt.UTC)),
            ).fetchone()
        return int(row[0]) if row else 0

    def all(self) -> list[StoredFeedback]:
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_READ} FROM followup_feedback ORDER BY id").fetchall()
        return [_stored(tuple(row)) for row in rows]

    def close(self) -> None:
        return None

    def _connect(self) -> psycopg.Connection[TupleRow]:
        try:
            return connect(self._url, "followup-feedback")
        except psycopg.OperationalError as exc:
            raise OverridesUnavailable(
                f"the feedback database {describe(self._url)} is unavailable; check FOLLOWUP_OVERRIDES_URL"
            ) from exc


def open_feedback_store(db: Path, url: SecretStr | None = None) -> SqliteFeedbackStore | PostgresFeedbackStore:
    """Where review status is kept: PostgreSQL at `url`, else the SQLite file `db`."""
    return PostgresFeedbackStore(url.get_secret_value()) if url is not None else SqliteFeedbackStore(db)


def _stored(row: tuple[object, ...]) -> StoredFeedback:
    kind, chunk_id, article_id, digest, question, history = row
    return StoredFeedback(
        FeedbackKind(str(kind)),
        None if chunk_id is None else str(chunk_id),
        None if article_id is None else str(article_id),
        str(digest),
        None if question is None else str(question),
        tuple(json.loads(str(history))) if history else (),
    )


@dataclass(frozen=True)
class Exported:
    questions: list[dict[str, object]]
    answerable: int
    unanswerable: int
    without_text: int  # questions given feedback whose text was not stored


def gold_questions(feedback: list[StoredFeedback]) -> Exported:
    """One gold question per question given feedback: its helpful passages as relevant (answerable), or, with none
    helpful and "none of these answer" given, not answerable. Passages only marked not helpful teach nothing alone.
    All of split tune, so that they calibrate (`FOLLOWUP_ANSWERABILITY_CALIBRATION`) and are scored there."""
    grouped: dict[str, list[StoredFeedback]] = {}
    for item in feedback:
        grouped.setdefault(item.question_sha256, []).append(item)
    questions: list[dict[str, object]] = []
    without_text = answerable = 0
    for digest, items in grouped.items():
        first = items[0]
        if first.question is None:
            without_text += 1
            continue
        helpful = list(dict.fromkeys(i.chunk_id for i in items if i.kind is FeedbackKind.HELPFUL and i.chunk_id))
        none = any(i.kind is FeedbackKind.NONE_ANSWER for i in items)
        if not helpful and not none:
            continue
        row: dict[str, object] = {
            "id": f"feedback-{digest[:12]}",
            "question": first.question,
            "article_id": first.article_id,
            "history": list(first.history),
            "relevant": helpful,
            "answerable": bool(helpful),
            "scope": None if helpful else "near_miss",
            "split": "tune",
        }
        answerable += bool(helpful)
        questions.append(row)
    return Exported(questions, answerable, len(questions) - answerable, without_text)
