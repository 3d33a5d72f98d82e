"""What every override store promises (SQLite and PostgreSQL alike): durable, audited, shared within a second."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

from corpus.model import ReviewStatus
from index.overrides import (
    PROPAGATION_SECONDS,
    OverrideStore,
    Snapshot,
    existing_override_store,
    open_override_store,
)
from tests.index.overrides.conftest import OpenStore

RETRACTED, APPROVED = ReviewStatus.RETRACTED, ReviewStatus.APPROVED


def _set(store: OverrideStore, article_id: str, status: ReviewStatus, who: str = "admin") -> None:
    store.set_status(article_id, status, who=who, reason="test", old_status=None, generation="gen-1")


def _wait_for(store: OverrideStore, expected: Snapshot) -> float:
    """Seconds until the store's snapshot equals `expected` (fails past twice the promised delay)."""
    started = time.monotonic()
    while dict(store.snapshot()) != dict(expected):
        assert time.monotonic() - started < 2 * PROPAGATION_SECONDS, f"still {dict(store.snapshot())}"
        time.sleep(0.01)
    return time.monotonic() - started


def test_a_change_is_in_the_next_snapshot_and_audited(open_store: OpenStore) -> None:
    store = open_store()
    assert store.snapshot() == {}
    override = store.set_status("a", RETRACTED, who="dr-b", reason="withdrawn", old_status=APPROVED, generation="g1")
    assert store.snapshot()["a"] == override  # no waiting: the next request on this server sees it
    assert override.status is RETRACTED and override.included_in is None
    [entry] = store.audit("a")
    assert (entry.who, entry.reason, entry.old_status, entry.new_status, entry.generation) == (
        "dr-b",
        "withdrawn",
        APPROVED,
        RETRACTED,
        "g1",
    )
    assert entry.at.tzinfo is not None
    assert store.audit("b") == [] and len(store.audit()) == 1


def test_overrides_and_their_audit_survive_reopening(open_store: OpenStore) -> None:
    first = open_store()
    _set(first, "a", RETRACTED)
    _set(first, "a", APPROVED)
    snapshot, audit = dict(first.snapshot()), first.audit()
    first.close()
    again = open_store()  # a restart
    assert dict(again.snapshot()) == snapshot and again.audit() == audit
    assert [e.new_status for e in audit] == [RETRACTED, APPROVED]


def test_only_builds_made_after_an_override_can_include_it(open_store: OpenStore) -> None:
    store = open_store()
    _set(store, "a", RETRACTED)
    set_at = store.snapshot()["a"].set_at
    older, newer = set_at - dt.timedelta(seconds=1), set_at + dt.timedelta(seconds=1)
    assert store.mark_included("gen-old", older, {"a": RETRACTED}) == []
    assert store.mark_included("gen-new", newer, {"a": APPROVED}) == []
    assert store.mark_included("gen-new", newer, {"a": RETRACTED}) == ["a"]
    assert store.snapshot()["a"].included_in == "gen-new"
    assert [e.who for e in store.audit("a")] == ["admin", "build"]


def test_replicas_loading_the_same_generation_record_the_inclusion_once(open_store: OpenStore) -> None:
    first, second = open_store(), open_store()
    _set(first, "a", RETRACTED)
    _wait_for(second, first.snapshot())
    newer = first.snapshot()["a"].set_at + dt.timedelta(seconds=1)
    assert first.mark_included("gen-new", newer, {"a": RETRACTED}) == ["a"]
    assert second.mark_included("gen-new", newer, {"a": RETRACTED}) == []  # its snapshot may be stale: no matter
    assert [e.who for e in first.audit("a")] == ["admin", "build"]


def test_another_replica_sees_a_change_within_a_second(open_store: OpenStore) -> None:
    reader, writer = open_store(), open_store()
    for status in (RETRACTED, APPROVED, RETRACTED):
        _set(writer, "a", status)
        assert _wait_for(reader, writer.snapshot()) <= PROPAGATION_SECONDS


def test_concurrent_writers_on_two_replicas_agree(open_store: OpenStore) -> None:
    replicas = [open_store(), open_store()]
    statuses = list(ReviewStatus)

    def write(store: OverrideStore, offset: int) -> None:
        for i in range(15):
            _set(store, f"article-{i % 4}", statuses[(i + offset) % len(statuses)], who=f"admin-{offset}")

    threads = [threading.Thread(target=write, args=(store, n)) for n, store in enumerate(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = open_store().snapshot()  # what the database holds, read afresh
    assert len(final) == 4
    for replica in replicas:
        _wait_for(replica, final)
    assert len(replicas[0].audit()) == 30


def test_an_unchanged_snapshot_keeps_its_identity(open_store: OpenStore) -> None:
    store = open_store()
    _set(store, "a", RETRACTED)
    before = store.snapshot()
    time.sleep(PROPAGATION_SECONDS + 0.2)  # past SQLite's refresh and PostgreSQL's poll
    assert store.snapshot() is before  # `Servable.blocked_rows` recomputes only for a new object


def test_a_read_only_command_does_not_create_a_database(tmp_path: Path) -> None:
    db = tmp_path / "overrides.sqlite"
    assert existing_override_store(db) is None and not db.exists()
    open_override_store(db).close()
    store = existing_override_store(db)
    assert store is not None
    store.close()
