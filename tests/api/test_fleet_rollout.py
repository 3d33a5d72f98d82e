"""Publishing to a fleet of in-process replicas (each a `ServerState` with its own index folder and follower, as
`followup serve` runs them; one PostgreSQL): the canary decides, the rest follow, and the faults of issue 37 leave
every replica serving a verified generation. The same with real server processes: test_fleet_e2e.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from typer.testing import CliRunner

from api.cli import app
from api.fleet import fleet_status, start_follower
from api.schemas import FleetOut
from api.settings import AppSettings
from api.state import ServerState
from index.embedder import Embedder
from index.fleet import FleetSettings, PublicationState
from index.fleet.database import FleetDatabase
from index.fleet.follower import FleetFollower
from index.fleet.publish import publish
from index.overrides import OverrideStore, open_override_store
from index.store import MANIFEST, POINTER, file_sha256, verify_generation
from tests.fleet import ARTICLES, SERVING, Generations, corrupt
from tests.postgres import Postgres

SWITCH_SECONDS = 10.0  # issue 37: a publish is served by every replica within 10 s


@dataclass
class Replica:
    name: str
    folder: Path
    settings: AppSettings
    state: ServerState
    overrides: OverrideStore
    follower: FleetFollower

    def serves(self) -> str | None:
        return self.state.answerer.index.version if self.state.answerer is not None else None

    def pointer(self) -> str | None:
        pointer = self.folder / POINTER
        return pointer.read_text().strip() if pointer.is_file() else None

    def close(self) -> None:
        self.follower.close()
        self.overrides.close()


@contextmanager
def replica(name: str, folder: Path, url: str, embedder: Embedder) -> Iterator[Replica]:
    """One serving process's state and follower, started as the app's lifespan starts them."""
    settings = AppSettings.of(
        index_dir=folder, overrides_url=url, replica_name=name, heartbeat_seconds=0.5, stale_seconds=5, **SERVING
    )
    overrides = open_override_store(settings.resolved_overrides_db(), SecretStr(url))
    state = ServerState(settings, embedder, overrides)
    state.start()
    follower = start_follower(settings, state)
    assert follower is not None
    running = Replica(name, folder, settings, state, overrides, follower)
    try:
        yield running
    finally:
        running.close()


@contextmanager
def fleet(generations: Generations, names: str, tmp: Path, url: str, embedder: Embedder) -> Iterator[list[Replica]]:
    """Replicas named by the letters of `names`, each with its own copy of the old generation, all checked in."""
    with ExitStack() as stack:
        replicas = [stack.enter_context(replica(name, generations.copy(tmp / name), url, embedder)) for name in names]
        database = FleetDatabase(url)
        wait_until(lambda: len(_members(database)) == len(names), "every replica checked in")
        yield replicas


def _members(database: FleetDatabase) -> list[str]:
    with database.session() as conn:
        return [m.replica for m in database.members(conn)]


def wait_until(condition: Callable[[], bool], what: str, seconds: float = SWITCH_SECONDS) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def publish_to(
    database: FleetDatabase, source: Path, generation: str, probe_set: list[dict[str, Any]] | None = None
) -> PublicationState:
    outcome = publish(
        database,
        source,
        generation,
        canaries=[],
        who="test",
        wait_seconds=30,
        settings=FleetSettings(),
        probe_set=probe_set,
    )
    assert outcome.publication is not None
    return outcome.publication.state


def test_the_canary_holds_then_every_replica_serves_it_and_publishing_it_again_changes_nothing(
    fleet_generations: Generations, postgres_url: str, tmp_path: Path, embedder: Embedder
) -> None:
    database = FleetDatabase(postgres_url)
    old, new = fleet_generations.old, fleet_generations.new
    with fleet(fleet_generations, "cab", tmp_path, postgres_url, embedder) as replicas:
        assert publish_to(database, fleet_generations.folder, old) is PublicationState.RELEASED  # what they serve
        probe = [{"question": "Who should be screened?", "relevant": [ARTICLES[0]]}]  # as `--probe FILE` sends it
        assert publish_to(database, fleet_generations.folder, new, probe) is PublicationState.RELEASED
        with database.session() as conn:
            released = database.latest(conn)
        assert released is not None and released.canaries == ("a",)  # the first live replica by name
        assert released.probe["replica"] == "a" and released.probe["old"]["generation"] == old
        assert released.probe["new"]["errors"] == 0 and released.probe["new"]["questions"] == 1
        wait_until(lambda: all(r.serves() == new and r.pointer() == new for r in replicas), "all serve it")
        for r in replicas:
            assert verify_generation(r.folder / new).generation == new
        expected = [("a", new, False), ("b", new, False), ("c", new, False)]
        # Each follower checks in right after it has switched and pointed CURRENT: moments after the above.
        wait_until(lambda: _shown(fleet_status(replicas[0].settings)) == expected, "the status shows it")
        status = fleet_status(replicas[0].settings)
        assert status.released == new and status.publication is not None
        assert status.publication.state == "released"

        outcome = publish(
            database, fleet_generations.folder, new, canaries=["b"], who="t", wait_seconds=5, settings=FleetSettings()
        )
        assert outcome.unchanged
        with database.session() as conn:
            assert database.latest(conn) == released
        assert all(r.serves() == new for r in replicas)

        # `followup index rollback` with a fleet: the previously released generation, published the same way.
        env: dict[str, str | None] = {"FOLLOWUP_OVERRIDES_URL": postgres_url}
        rolled = CliRunner().invoke(app, ["index", "rollback"], env=env)
        assert rolled.exit_code == 0 and f"released {old}" in rolled.output, rolled.output
        wait_until(lambda: all(r.serves() == old and r.pointer() == old for r in replicas), "all roll back")


def test_a_corrupted_generation_never_leaves_the_canary_and_the_fleet_keeps_the_old_one(
    fleet_generations: Generations, postgres_url: str, tmp_path: Path, embedder: Embedder
) -> None:
    source = fleet_generations.copy(tmp_path / "source", with_new=True)
    corrupt(source / fleet_generations.new)
    database = FleetDatabase(postgres_url)
    with fleet(fleet_generations, "ab", tmp_path, postgres_url, embedder) as replicas:
        # The publisher verifies first; a file that goes bad after it did (or in the copy) is the canary's to catch.
        manifest = file_sha256(source / fleet_generations.new / MANIFEST)
        with database.session() as conn:
            published = database.publish(conn, fleet_generations.new, str(source), manifest, ["a"], "test")
        wait_until(lambda: _state(database, published.id) is not PublicationState.CANARY, "the canary decided")
        with database.session() as conn:
            failed = database.get(conn, published.id)
        assert failed is not None and failed.state is PublicationState.FAILED
        assert "articles.jsonl: missing or corrupted" in failed.reason
        time.sleep(1.2)  # more than a poll: nobody follows a failed publication
        for r in replicas:
            assert r.serves() == fleet_generations.old and r.pointer() == fleet_generations.old
            assert not (r.folder / fleet_generations.new).exists()
        assert fleet_status(replicas[0].settings).publication is not None


def _state(database: FleetDatabase, publication: int) -> PublicationState | None:
    with database.session() as conn:
        found = database.get(conn, publication)
    return found.state if found else None


def test_a_replica_stopped_mid_rollout_comes_back_serving_the_published_generation(
    fleet_generations: Generations, postgres_url: str, tmp_path: Path, embedder: Embedder
) -> None:
    database = FleetDatabase(postgres_url)
    new = fleet_generations.new
    with fleet(fleet_generations, "ab", tmp_path, postgres_url, embedder) as (first, second):
        second.close()  # as if killed: it learns of nothing from here on
        assert publish_to(database, fleet_generations.folder, new) is PublicationState.RELEASED
        wait_until(lambda: first.serves() == new, "the canary serves it")
        time.sleep(1.2)  # more than a poll
        assert second.serves() == fleet_generations.old and second.pointer() == fleet_generations.old
        # Started again over its folder: it loads the old generation, then its first resync switches it.
        with replica("b", second.folder, postgres_url, embedder) as restarted:
            took = wait_until(lambda: restarted.serves() == new and restarted.pointer() == new, "restart follows")
            assert took < SWITCH_SECONDS


def test_the_database_going_down_mid_publish_leaves_every_replica_on_a_verified_generation(
    fleet_generations: Generations, postgres: Postgres, postgres_url: str, tmp_path: Path, embedder: Embedder
) -> None:
    database = FleetDatabase(postgres_url)
    old, new = fleet_generations.old, fleet_generations.new
    with fleet(fleet_generations, "ab", tmp_path, postgres_url, embedder) as replicas:
        manifest = file_sha256(fleet_generations.folder / new / MANIFEST)
        with database.session() as conn:
            database.publish(conn, new, str(fleet_generations.folder), manifest, ["a"], "test")
        with postgres.stopped():
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                for r in replicas:
                    served, pointer = r.serves(), r.pointer()
                    assert served in {old, new} and pointer in {old, new}
                    assert verify_generation(r.folder / str(served)).generation == served
                    assert verify_generation(r.folder / str(pointer)).generation == pointer
                    assert r.state.answerer is not None and r.state.answerer.ask("What is it?").index_version == served
                time.sleep(0.2)
        # Back up: the canary decides (again, if the outage cut it short) and both follow.
        wait_until(lambda: all(r.serves() == new for r in replicas), "both serve it after the outage", 20)


def test_a_replica_started_without_an_index_serves_what_is_published(
    fleet_generations: Generations, postgres_url: str, tmp_path: Path, embedder: Embedder
) -> None:
    """The README's first publish: the replicas start on empty folders, so the canary has no baseline."""
    database = FleetDatabase(postgres_url)
    (tmp_path / "empty").mkdir()
    with replica("a", tmp_path / "empty", postgres_url, embedder) as empty:
        assert empty.serves() is None
        wait_until(lambda: _members(database) == ["a"], "it checked in")
        assert publish_to(database, fleet_generations.folder, fleet_generations.new) is PublicationState.RELEASED
        with database.session() as conn:
            released = database.latest(conn)
        assert released is not None and "nothing served before" in released.reason
        wait_until(
            lambda: empty.serves() == fleet_generations.new and empty.pointer() == fleet_generations.new, "it serves it"
        )


def _shown(status: FleetOut) -> list[tuple[str, str | None, bool]]:
    return [(m.replica, m.generation, m.stale) for m in status.members]
