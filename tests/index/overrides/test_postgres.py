"""PostgreSQL-only behaviour: the listener survives killed connections, lost notifications and a blocked database
without holding up `snapshot()`, and an unreachable database is reported without its password."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from corpus.model import ReviewStatus
from index.overrides import OverridesUnavailable, SqliteOverrideStore, open_override_store
from index.overrides.listener import LISTENER_NAME
from index.overrides.postgres import PostgresOverrideStore
from tests.api.servers import free_port
from tests.postgres import running_postgres, terminate

pytestmark = pytest.mark.slow


@pytest.fixture
def replicas(postgres_url: str) -> Iterator[tuple[PostgresOverrideStore, PostgresOverrideStore]]:
    stores = PostgresOverrideStore(postgres_url), PostgresOverrideStore(postgres_url)
    yield stores
    for store in stores:
        store.close()


def _retract(store: PostgresOverrideStore, article_id: str) -> None:
    store.set_status(article_id, ReviewStatus.RETRACTED, who="admin", reason="t", old_status=None, generation=None)


def _seconds_until_seen(store: PostgresOverrideStore, article_id: str, limit: float) -> float:
    started = time.monotonic()
    while article_id not in store.snapshot():
        assert time.monotonic() - started < limit, f"{article_id} not seen within {limit} s"
        time.sleep(0.005)
    return time.monotonic() - started


def _wait_following(store: PostgresOverrideStore) -> None:
    deadline = time.monotonic() + 5
    while not store.following:
        assert time.monotonic() < deadline, "listener did not connect"
        time.sleep(0.01)


def test_a_notification_wakes_the_other_replica_at_once(
    replicas: tuple[PostgresOverrideStore, PostgresOverrideStore],
) -> None:
    reader, writer = replicas
    _wait_following(reader)
    _retract(writer, "a")
    assert _seconds_until_seen(reader, "a", 1.0) < 0.5  # far under the 1 s poll: NOTIFY did it


def test_the_listener_reconnects_and_resyncs_after_its_connection_is_killed(
    replicas: tuple[PostgresOverrideStore, PostgresOverrideStore], postgres_url: str
) -> None:
    reader, writer = replicas
    _wait_following(reader)
    _wait_following(writer)  # both listeners connected before both are killed
    assert terminate(postgres_url, LISTENER_NAME) == 2
    _retract(writer, "while-down")  # likely committed before the listener is back: only the resync can bring it
    assert _seconds_until_seen(reader, "while-down", 2.0) < 2.0
    _wait_following(reader)
    _retract(writer, "after")
    assert _seconds_until_seen(reader, "after", 1.0) < 1.0


def test_the_listener_comes_back_after_the_database_restarts() -> None:
    with running_postgres() as own:  # its own server: restarting the shared one would disturb other tests
        url = own.create_database("restarts")
        reader = PostgresOverrideStore(url)
        try:
            _wait_following(reader)
            own.restart()
            writer = PostgresOverrideStore(url)  # a replica starting meanwhile
            _retract(writer, "after-restart")
            writer.close()
            assert _seconds_until_seen(reader, "after-restart", 3.0) < 3.0  # back-off ≤ 2 s, then a full resync
        finally:
            reader.close()


def test_a_change_without_a_notification_is_found_by_the_poll(
    replicas: tuple[PostgresOverrideStore, PostgresOverrideStore], postgres_url: str
) -> None:
    reader, _ = replicas
    _wait_following(reader)
    with psycopg.connect(postgres_url) as conn:  # as if the NOTIFY were lost (e.g. through a pooler)
        conn.execute(
            "INSERT INTO followup_overrides (article_id, status, set_at, included_in, version) "
            "SELECT 'quiet', 'retracted', now(), NULL, version + 1 FROM followup_override_clock"
        )
        conn.execute("UPDATE followup_override_clock SET version = version + 1")
    assert _seconds_until_seen(reader, "quiet", 1.6) < 1.6  # one poll interval (1 s) and the query


def test_snapshots_never_wait_for_a_blocked_database(
    replicas: tuple[PostgresOverrideStore, PostgresOverrideStore], postgres_url: str
) -> None:
    reader, writer = replicas
    _wait_following(reader)
    _retract(writer, "a")
    _seconds_until_seen(reader, "a", 1.0)
    slowest = 0.0
    with psycopg.connect(postgres_url) as blocker, blocker.transaction():
        blocker.execute("LOCK TABLE followup_overrides IN ACCESS EXCLUSIVE MODE")  # the listener's next poll waits
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            started = time.perf_counter()
            assert reader.snapshot()["a"].status is ReviewStatus.RETRACTED
            slowest = max(slowest, time.perf_counter() - started)
            time.sleep(0.01)
    assert slowest < 0.1  # the lock is held for 1.5 s; 0.1 leaves room for a busy machine's scheduling
    _retract(writer, "b")
    assert _seconds_until_seen(reader, "b", 1.0) < 1.0  # and it catches up once the lock is gone


def test_an_unreachable_database_is_named_without_its_password() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(OverridesUnavailable) as raised:
        PostgresOverrideStore(f"postgresql://someone:hunter2@127.0.0.1:{port}/followup")
    message = str(raised.value)
    assert "hunter2" not in message
    assert f"postgresql://someone@127.0.0.1:{port}/followup" in message
    assert "FOLLOWUP_OVERRIDES_URL" in message


def test_a_left_over_sqlite_file_is_reported_as_not_in_effect(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    SqliteOverrideStore(tmp_path / "overrides.sqlite").close()  # from before the switch to PostgreSQL
    store = open_override_store(tmp_path / "overrides.sqlite", SecretStr(postgres_url))
    store.close()
    assert f"{tmp_path / 'overrides.sqlite'} holds status overrides that are NOT in effect" in caplog.text
