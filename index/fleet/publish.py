"""Announcing a generation to the fleet and waiting for the canary's decision (`followup index publish`)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.fleet.database import FleetDatabase
from index.fleet.model import FleetUnavailable, Publication, PublicationState
from index.fleet.settings import FleetSettings
from index.store import MANIFEST, file_sha256, verify_generation

POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Outcome:
    publication: Publication  # as decided (or still undecided after the wait); the released one when unchanged
    unchanged: bool = False  # the generation was already the released one: nothing published


def live_replicas(database: FleetDatabase, settings: FleetSettings) -> list[str]:
    """Replicas with a process checked in within the stale time, by name."""
    now = dt.datetime.now(dt.UTC)
    with database.session() as conn:
        members = database.members(conn)
    return sorted({m.replica for m in members if not m.stale(now, settings.stale_seconds)})


def publish(
    database: FleetDatabase,
    source: Path,
    generation: str,
    *,
    canaries: Sequence[str],
    who: str,
    wait_seconds: float,
    settings: FleetSettings,
    probe_set: list[dict[str, Any]] | None = None,
) -> Outcome:
    """Publishes `source/generation` (verified here first) to the canaries given, or to the first live replica by
    name; waits up to `wait_seconds` for the decision and fails it, with the reason, if none came."""
    directory = source / generation
    verify_generation(directory)
    with database.session() as conn:
        released = database.released(conn)
    if released and released[0].generation == generation:
        return Outcome(released[0], unchanged=True)
    chosen = list(canaries) or live_replicas(database, settings)[:1]
    if not chosen:
        raise FleetUnavailable(
            f"no replica has checked in within {settings.stale_seconds:.0f} s to try {generation} first: start one "
            "(followup serve with FOLLOWUP_OVERRIDES_URL), or name it with --canary"
        )
    with database.session() as conn:
        published = database.publish(
            conn, generation, str(source.resolve()), file_sha256(directory / MANIFEST), chosen, who, probe_set
        )
    return Outcome(wait_for_decision(database, published, wait_seconds))


def wait_for_decision(database: FleetDatabase, publication: Publication, wait_seconds: float) -> Publication:
    deadline = time.monotonic() + wait_seconds
    with database.session() as conn:
        while True:
            current = database.get(conn, publication.id)
            assert current is not None
            if current.state is not PublicationState.CANARY or wait_seconds == 0:
                return current
            if time.monotonic() >= deadline:
                reason = (
                    f"canary {', '.join(publication.canaries)} did not decide within {wait_seconds:g} s "
                    "(stopped, or not checking in?): the fleet stays on the generation it serves"
                )
                database.decide(conn, publication.id, PublicationState.FAILED, reason, {})
                decided = database.get(conn, publication.id)
                assert decided is not None
                return decided
            time.sleep(POLL_SECONDS)


def rollback_target(database: FleetDatabase) -> Publication:
    """The released publication before the latest one with another generation: what `index rollback` publishes."""
    with database.session() as conn:
        released = database.released(conn, limit=50)
    if not released:
        raise FleetUnavailable("nothing was released to the fleet yet: no previous generation to roll back to")
    for earlier in released[1:]:
        if earlier.generation != released[0].generation:
            return earlier
    raise FleetUnavailable(f"no generation was released before {released[0].generation}: nothing to roll back to")
