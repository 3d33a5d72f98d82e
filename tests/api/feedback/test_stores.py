"""Both feedback stores (api/feedback/sqlite.py, postgres.py) through their shared interface: one vote per client,
question and passage; bounded by a row cap and a retention; apart from review status, which a flood of feedback
never holds up."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from api.feedback import Bounds, FeedbackKind, FeedbackStore, SqliteFeedbackStore
from api.feedback.postgres import POOL_SIZE, PostgresFeedbackStore
from corpus.model import ReviewStatus
from index.overrides import OverrideStore, SqliteOverrideStore
from index.overrides.postgres import PostgresOverrideStore
from tests.api.feedback.conftest import Clock, vote

BOUNDS = Bounds(max_rows=20, retention_days=30)  # a prune every 2 writes


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the stores live: a folder of SQLite files, or a fresh PostgreSQL database."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path)


def _feedback_store(backend: str, clock: Clock, bounds: Bounds = BOUNDS) -> FeedbackStore:
    if backend.startswith("postgresql://"):
        return PostgresFeedbackStore(backend, bounds, clock)
    return SqliteFeedbackStore(Path(backend) / "feedback.sqlite", bounds, clock)


def _override_store(backend: str) -> OverrideStore:
    if backend.startswith("postgresql://"):
        return PostgresOverrideStore(backend)
    return SqliteOverrideStore(Path(backend) / "overrides.sqlite")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(backend: str, clock: Clock) -> Iterator[FeedbackStore]:
    opened = _feedback_store(backend, clock)
    yield opened
    opened.close()


def test_a_repeated_vote_replaces_the_earlier_one(store: FeedbackStore, clock: Clock) -> None:
    first = store.add(vote(kind=FeedbackKind.HELPFUL), keep_question=True)
    clock.advance(seconds=1)
    again = store.add(vote(kind=FeedbackKind.NOT_HELPFUL), keep_question=True)
    (row,) = store.all()
    assert again == first and row.kind is FeedbackKind.NOT_HELPFUL  # the last word counts, in the same row
    store.add(vote(kind=FeedbackKind.NONE_ANSWER), keep_question=True)  # the question as a whole: its own vote
    store.add(vote(kind=FeedbackKind.NONE_ANSWER), keep_question=True)
    store.add(vote(chunk_id="a:2"), keep_question=True)  # another passage
    store.add(vote(client="host:10.0.0.2"), keep_question=True)  # another client
    assert store.count() == 4
    assert {(r.kind, r.chunk_id) for r in store.all()} >= {(FeedbackKind.NONE_ANSWER, None)}


def test_the_row_cap_holds_the_newest_votes(store: FeedbackStore, clock: Clock) -> None:
    for number in range(3 * BOUNDS.max_rows):
        clock.advance(seconds=1)
        store.add(vote(question=f"question {number}"), keep_question=True)
        assert store.count() <= BOUNDS.max_rows + BOUNDS.prune_every
    store.prune()
    kept = {row.question for row in store.all()}
    assert kept == {f"question {n}" for n in range(2 * BOUNDS.max_rows, 3 * BOUNDS.max_rows)}


def test_votes_past_retention_are_pruned_on_write(store: FeedbackStore, clock: Clock) -> None:
    store.add(vote(question="old"), keep_question=True)
    clock.advance(days=BOUNDS.retention_days - 1)
    store.add(vote(question="recent"), keep_question=True)
    clock.advance(days=2)
    for number in range(BOUNDS.prune_every):  # until the next scheduled prune
        store.add(vote(question=f"new {number}"), keep_question=True)
    questions = {row.question for row in store.all()}
    assert "old" not in questions and "recent" in questions


def test_feedback_is_kept_apart_from_review_status(backend: str, store: FeedbackStore) -> None:
    store.add(vote(), keep_question=True)
    if backend.startswith("postgresql://"):
        with psycopg.connect(backend) as conn:
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'followup_%'")}
        assert {"followup_feedback_votes", "followup_feedback_secret"} <= tables
        assert "followup_feedback" not in tables
    else:
        assert sorted(p.name for p in Path(backend).iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
            "feedback.key",
            "feedback.sqlite",
        ]


def test_review_status_is_written_while_feedback_is_flooded(backend: str, clock: Clock) -> None:
    """Writers hammering feedback (more threads than the PostgreSQL pool has connections) while an editor
    retracts and approves: every status change goes through promptly and takes effect."""
    feedback = _feedback_store(backend, clock, Bounds(max_rows=50, retention_days=30))
    overrides = _override_store(backend)
    stop = threading.Event()
    stored = [0] * (POOL_SIZE + 2)
    failed: list[BaseException] = []

    def flood(worker: int) -> None:
        try:
            while not stop.is_set() and stored[worker] < 5000:
                feedback.add(
                    vote(question=f"flood {worker} {stored[worker]}", client=f"h:{worker}"), keep_question=True
                )
                stored[worker] += 1
        except BaseException as exc:  # the test fails on it below, not silently in a thread
            failed.append(exc)

    threads = [threading.Thread(target=flood, args=(worker,)) for worker in range(len(stored))]
    for thread in threads:
        thread.start()
    try:
        while sum(stored) < 20:  # the flood is under way
            time.sleep(0.005)
        for status in (ReviewStatus.RETRACTED, ReviewStatus.APPROVED) * 3:
            started = time.monotonic()
            overrides.set_status(
                "ab6a97c2e0394c38", status, who="editor", reason="checked", old_status=None, generation=None
            )
            assert time.monotonic() - started < 2.0
            assert overrides.snapshot()["ab6a97c2e0394c38"].status is status
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        overrides.close()
    assert failed == [] and all(stored)
    assert feedback.count() <= 50 + Bounds(50, 30).prune_every * len(stored)
    feedback.close()
