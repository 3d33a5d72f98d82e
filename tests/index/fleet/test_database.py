"""The fleet tables: created once by replicas starting together, a decision made once, members as they check in."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from index.fleet import Member, PublicationState
from index.fleet.database import FleetDatabase


def test_replicas_starting_together_create_the_tables_once(postgres_url: str) -> None:
    def first_look(database: FleetDatabase) -> tuple[object, object]:
        with database.session() as conn:
            return database.latest(conn), database.members(conn)

    with ThreadPoolExecutor(4) as pool:
        seen = list(pool.map(first_look, [FleetDatabase(postgres_url) for _ in range(4)]))
    assert seen == [(None, [])] * 4


def test_a_publication_is_decided_once_and_a_newer_one_supersedes_an_undecided_one(postgres_url: str) -> None:
    database = FleetDatabase(postgres_url)
    with database.session() as conn:
        first = database.publish(conn, "gen-1", "/src", "a" * 64, ["r1"], "ops", [{"question": "q?"}])
        assert first.state is PublicationState.CANARY and first.canaries == ("r1",)
        assert first.probe_set == [{"question": "q?"}]
        assert database.decide(conn, first.id, PublicationState.RELEASED, "held", {"new": {"p95_ms": 3}})
        assert not database.decide(conn, first.id, PublicationState.FAILED, "too late", {})  # a second worker
        decided = database.get(conn, first.id)
        assert decided is not None and decided.state is PublicationState.RELEASED and decided.reason == "held"
        assert decided.probe == {"new": {"p95_ms": 3}} and decided.decided_at is not None

        pending = database.publish(conn, "gen-2", "/src", "b" * 64, ["r1"], "ops")
        newer = database.publish(conn, "gen-3", "/src", "c" * 64, ["r2"], "ops")
        superseded = database.get(conn, pending.id)
        assert superseded is not None and superseded.state is PublicationState.FAILED
        assert superseded.reason == f"superseded by publication {newer.id} (gen-3)"
        assert [p.generation for p in database.released(conn, limit=5)] == ["gen-1"]
        assert database.latest(conn) == database.get(conn, newer.id)


def test_members_check_in_again_and_leave(postgres_url: str) -> None:
    database = FleetDatabase(postgres_url)
    now = dt.datetime.now(dt.UTC)
    first = Member("a:1", 10, "a:1", None, None, False, now - dt.timedelta(seconds=60))
    with database.session() as conn:
        database.check_in(conn, first)
        database.check_in(conn, Member("b:2", 11, "b:2", "gen-1", now, True, now))
        assert [m.stale(now, 20) for m in database.members(conn)] == [True, False]
        database.check_in(conn, Member("a:1", 10, "a:1", "gen-1", now, False, now))  # the same process again
        members = database.members(conn)
        assert [(m.replica, m.generation, m.stale(now, 20)) for m in members] == [
            ("a:1", "gen-1", False),
            ("b:2", "gen-1", False),
        ]
        database.leave(conn, "a:1", 10)
        assert [m.replica for m in database.members(conn)] == ["b:2"]
