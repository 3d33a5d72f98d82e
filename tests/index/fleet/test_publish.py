"""Publishing: verified before it is announced, the first live replica by name as the canary, a canary that never
answers fails the publication with the reason, and publishing the released generation changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from index.fleet import FleetSettings, FleetUnavailable, Member, PublicationState
from index.fleet.database import FleetDatabase
from index.fleet.publish import publish, rollback_target
from index.store import IndexUnavailable
from tests.fleet import Generations

SETTINGS = FleetSettings(stale_seconds=20)


def check_in(database: FleetDatabase, replica: str, seconds_ago: float = 0) -> None:
    seen = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago)
    with database.session() as conn:
        database.check_in(conn, Member(replica, 1, replica, None, None, False, seen))


def test_a_canary_that_never_decides_fails_the_publication_with_the_reason(
    fleet_generations: Generations, postgres_url: str
) -> None:
    database = FleetDatabase(postgres_url)
    check_in(database, "z:1")
    check_in(database, "b:1")
    check_in(database, "a:1", seconds_ago=60)  # stale: not chosen
    outcome = publish(
        database,
        fleet_generations.folder,
        fleet_generations.new,
        canaries=[],
        who="ops",
        wait_seconds=0.5,
        settings=SETTINGS,
    )
    done = outcome.publication
    assert done is not None and not outcome.unchanged
    assert done.canaries == ("b:1",) and done.state is PublicationState.FAILED
    assert done.reason.startswith("canary b:1 did not decide within 0.5 s")


def test_publishing_the_released_generation_changes_nothing(fleet_generations: Generations, postgres_url: str) -> None:
    database = FleetDatabase(postgres_url)
    with database.session() as conn:
        released = database.publish(conn, fleet_generations.old, str(fleet_generations.folder), "x", ["a"], "ops")
        database.decide(conn, released.id, PublicationState.RELEASED, "held", {})
    outcome = publish(
        database,
        fleet_generations.folder,
        fleet_generations.old,
        canaries=["a"],
        who="ops",
        wait_seconds=5,
        settings=SETTINGS,
    )
    assert outcome.unchanged and outcome.publication is not None and outcome.publication.id == released.id
    with database.session() as conn:
        assert database.latest(conn) == database.get(conn, released.id)  # no new publication


def test_nothing_is_announced_without_a_live_replica_or_with_a_corrupted_file(
    fleet_generations: Generations, postgres_url: str
) -> None:
    database = FleetDatabase(postgres_url)
    with pytest.raises(FleetUnavailable, match="no replica has checked in within 20 s"):
        publish(
            database,
            fleet_generations.folder,
            fleet_generations.new,
            canaries=[],
            who="o",
            wait_seconds=0,
            settings=SETTINGS,
        )
    with pytest.raises(IndexUnavailable, match="unreadable manifest"):
        publish(
            database, fleet_generations.folder, "gen-nope", canaries=["a"], who="o", wait_seconds=0, settings=SETTINGS
        )
    with database.session() as conn:
        assert database.latest(conn) is None


def test_rollback_targets_the_released_generation_before_the_latest(postgres_url: str) -> None:
    database = FleetDatabase(postgres_url)
    with pytest.raises(FleetUnavailable, match="nothing was released"):
        rollback_target(database)
    with database.session() as conn:
        for generation in ("gen-1", "gen-2", "gen-2"):
            published = database.publish(conn, generation, "/src", "x", ["a"], "ops")
            database.decide(conn, published.id, PublicationState.RELEASED, "held", {})
    assert rollback_target(database).generation == "gen-1"
