"""What a vote is, how it is stored and read back, and the bounds every feedback store keeps to."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from api.feedback.digest import Digester

# A prune runs every `max_rows // 10` writes (at most every PRUNE_EVERY_AT_MOST), so between two prunes a process
# adds at most a tenth of the cap: a count per write would cost more than the vote.
PRUNE_EVERY_AT_MOST = 100
WHOLE_QUESTION = ""  # the stored chunk_id of "none of these answer": one vote per question, not per passage


class FeedbackKind(StrEnum):
    HELPFUL = "helpful"  # this passage answers the question
    NOT_HELPFUL = "not_helpful"  # this passage does not
    NONE_ANSWER = "none_answer"  # none of the passages shown answers the question


class FeedbackUnavailable(RuntimeError):
    """The feedback store cannot be reached or written (the API answers 503; review status is unaffected)."""


@dataclass(frozen=True)
class Feedback:
    """One client's vote as received. `client` is who gave it (an address or an API key): only its digest is kept."""

    kind: FeedbackKind
    question: str
    article_id: str | None
    history: tuple[str, ...]
    chunk_id: str | None
    index_version: str | None
    client: str

    def row(self, digester: Digester, keep_question: bool, at: dt.datetime | str) -> tuple[object, ...]:
        """The stored row, in `COLUMNS` order: the question's text and earlier turns only when kept."""
        text = self.question if keep_question else None
        history = json.dumps(list(self.history)) if keep_question else None
        return (
            at,
            digester.client(self.client),
            digester.question(self.question, self.article_id, self.history),
            self.chunk_id or WHOLE_QUESTION,
            self.kind.value,
            self.article_id,
            text,
            history,
            self.index_version,
        )


# (name, SQLite type, PostgreSQL type). One vote per client, question and passage: UNIQUE below, and a repeat
# replaces the earlier vote (the last word counts, and its time keeps it from being pruned as old).
TABLE = (
    ("at", "TEXT NOT NULL", "TIMESTAMPTZ NOT NULL"),
    ("client", "TEXT NOT NULL", "TEXT NOT NULL"),
    ("question_digest", "TEXT NOT NULL", "TEXT NOT NULL"),
    ("chunk_id", "TEXT NOT NULL", "TEXT NOT NULL"),
    ("kind", "TEXT NOT NULL", "TEXT NOT NULL"),
    ("article_id", "TEXT", "TEXT"),
    ("question", "TEXT", "TEXT"),
    ("history", "TEXT", "TEXT"),
    ("index_version", "TEXT", "TEXT"),
)
COLUMNS = ", ".join(name for name, _, _ in TABLE)
VOTE = ("client", "question_digest", "chunk_id")
VOTE_KEY = ", ".join(VOTE)
REPLACED = ", ".join(f"{name} = excluded.{name}" for name, _, _ in TABLE if name not in VOTE)
READ = "kind, client, chunk_id, article_id, question_digest, question, history"  # what `stored` reads, in order


def columns(sqlite: bool) -> str:
    return ", ".join(f"{name} {lite if sqlite else pg}" for name, lite, pg in TABLE)


@dataclass(frozen=True)
class StoredFeedback:
    kind: FeedbackKind
    client: str  # its digest
    chunk_id: str | None
    article_id: str | None
    question_digest: str
    question: str | None
    history: tuple[str, ...]


def stored(row: tuple[object, ...]) -> StoredFeedback:
    kind, client, chunk_id, article_id, digest, question, history = row
    return StoredFeedback(
        FeedbackKind(str(kind)),
        str(client),
        str(chunk_id) if chunk_id else None,
        None if article_id is None else str(article_id),
        str(digest),
        None if question is None else str(question),
        tuple(json.loads(str(history))) if history else (),
    )


@dataclass(frozen=True)
class Bounds:
    """How much feedback a store keeps: nothing older than `retention_days`, at most `max_rows` after a prune."""

    max_rows: int
    retention_days: int

    def __post_init__(self) -> None:
        if self.max_rows < 1 or self.retention_days < 1:
            raise ValueError("feedback bounds must be positive (FOLLOWUP_FEEDBACK_MAX_ROWS, _RETENTION_DAYS)")

    @property
    def prune_every(self) -> int:
        return max(1, min(PRUNE_EVERY_AT_MOST, self.max_rows // 10))

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        return now - dt.timedelta(days=self.retention_days)


class PruneSchedule:
    """Says which writes prune: this process's first, then every `bounds.prune_every`-th."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self._writes = itertools.count()  # next() on it is atomic under the GIL: no lock

    def due(self) -> bool:
        return next(self._writes) % self.bounds.prune_every == 0


class FeedbackStore(Protocol):
    digester: Digester

    def add(self, feedback: Feedback, keep_question: bool) -> int:
        """Stores the vote (replacing this client's earlier one on the same question and passage); its row id."""
        ...

    def all(self) -> list[StoredFeedback]: ...

    def count(self) -> int: ...

    def prune(self) -> int:
        """Deletes what is past retention, then the oldest rows over the cap; how many rows it deleted."""
        ...

    def close(self) -> None: ...


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
