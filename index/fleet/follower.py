"""Keeps one serving process in step with the fleet: tries the publications it is a canary of, switches to the
latest released one, and checks in.

It runs on its own LISTEN connection and thread (`ChangeListener`), apart from the review-status listener: trying
a generation takes seconds (copy, verify, load, probe) and must never hold up a retraction. On every (re)connect it
resyncs in full: a replica that was down, or killed mid-rollout, switches to the latest released generation then.
While the database is down it keeps serving what it serves (always a verified generation) and retries.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg.rows import TupleRow

from index.fleet.canary import ProbeFigures, Verdict, judge
from index.fleet.database import CHANNEL, FleetDatabase
from index.fleet.model import FleetUnavailable, Member, Publication, PublicationState
from index.fleet.settings import FleetSettings
from index.fleet.source import source_for
from index.overrides.listener import ChangeListener
from index.store import point_at

log = logging.getLogger("followup.fleet")
FOLLOWER_NAME = "followup-fleet-follower"  # application_name of each follower's LISTEN connection


class Replica(Protocol):
    """What a follower drives: the serving process's index (api.fleet implements it over `ServerState`)."""

    def generation(self) -> str | None:
        """The generation served now; None before any is loaded."""
        ...

    def probe(
        self, directory: Path, questions: list[dict[str, Any]] | None
    ) -> tuple[ProbeFigures, ProbeFigures | None]:
        """Loads the generation in `directory` and asks the probe set (`questions`, gold-question fields, or the
        replica's default when None) of it and of the served one (None: nothing served). Raises `IndexUnavailable`
        if it cannot be loaded."""
        ...

    def switch(self, directory: Path) -> None:
        """Serves the generation in `directory` (reusing what `probe` loaded) without dropping a request."""
        ...

    def forget(self) -> None:
        """Drops what `probe` loaded: the canary refused it, or another decided first and it is not released."""
        ...


@dataclass(frozen=True)
class Identity:
    replica: str  # shared by the workers of one `followup serve`
    pid: int
    address: str


class FleetFollower:
    """One per serving process (each worker of a replica has its own); `close()` when the process stops."""

    def __init__(
        self, database: FleetDatabase, replica: Replica, identity: Identity, index_dir: Path, settings: FleetSettings
    ) -> None:
        self.database = database
        self.replica = replica
        self.identity = identity
        self.index_dir = index_dir
        self.settings = settings
        self.canary = False
        self._tried: set[int] = set()  # publications this process decided or failed to fetch as a canary
        # Released publications it could not switch to, and when to try again (at the latest at the next resync).
        self._given_up: dict[int, float] = {}
        self._served = replica.generation()
        self._switched_at: dt.datetime | None = dt.datetime.now(dt.UTC) if self._served else None
        self._next_beat = 0.0
        self._listener = ChangeListener(database.url, CHANNEL, self._sync, name=FOLLOWER_NAME)

    def close(self) -> None:
        """Stops following and leaves the member list (a killed process stays in it, shown stale)."""
        self._listener.close()
        try:
            with self.database.session() as conn:
                self.database.leave(conn, self.identity.replica, self.identity.pid)
        except FleetUnavailable as exc:
            log.warning("could not leave the fleet list: %s", exc)

    def _sync(self, conn: psycopg.Connection[TupleRow], full: bool) -> None:
        if full:
            self.database.ensure_schema(conn)
            self._given_up.clear()
        latest = self.database.latest(conn)
        self.canary = (
            latest is not None and latest.state is PublicationState.CANARY and self.identity.replica in latest.canaries
        )
        if self.canary and latest is not None and latest.id not in self._tried:
            self._check_in(conn)  # shown as canary while it tries
            self._try(conn, latest)
            self.canary = False
        released = self.database.released(conn)
        retry = self._given_up.get(released[0].id, 0.0) if released else 0.0
        if released and released[0].generation != self.replica.generation() and time.monotonic() >= retry:
            self._follow(released[0])
        switched = self._note_served()
        if full or switched or time.monotonic() >= self._next_beat:  # a switch shows in the fleet status at once
            self._check_in(conn)

    def _try(self, conn: psycopg.Connection[TupleRow], publication: Publication) -> None:
        """As a canary: fetch, verify, load and probe, then decide once; it switches (below) only if released."""
        log.info("canary: trying %s (publication %d)", publication.generation, publication.id)
        new: ProbeFigures | None = None
        old: ProbeFigures | None = None
        try:
            directory = source_for(publication.source).fetch(
                publication.generation, publication.manifest_sha256, self.index_dir
            )
            new, old = self.replica.probe(directory, publication.probe_set)
        except psycopg.Error:
            raise  # the database went away: decided after the reconnect
        except Exception as exc:  # anything that keeps a generation from being served fails the canary
            verdict = Verdict(False, f"{publication.generation}: {exc}")
        else:
            verdict = judge(new, old, self.settings)
        state = PublicationState.RELEASED if verdict.holds else PublicationState.FAILED
        figures = {
            "replica": self.identity.replica,
            "pid": self.identity.pid,
            "new": new.as_json() if new else None,
            "old": old.as_json() if old else None,
        }
        decided = self.database.decide(conn, publication.id, state, verdict.reason, figures)
        self._tried.add(publication.id)
        if not (verdict.holds and decided):
            self.replica.forget()  # not kept in memory (released by another worker: loaded again to switch)
        if decided:
            log.log(logging.INFO if verdict.holds else logging.ERROR, "canary %s: %s", state.value, verdict.reason)
        else:
            log.info("publication %d was decided elsewhere meanwhile", publication.id)

    def _follow(self, publication: Publication) -> None:
        """Fetches and verifies the released generation, serves it, then points `CURRENT` at it."""
        try:
            directory = source_for(publication.source).fetch(
                publication.generation, publication.manifest_sha256, self.index_dir
            )
            self.replica.switch(directory)
            point_at(self.index_dir, publication.generation)
        except Exception as exc:  # the served generation stays; tried again after the stale time, or a resync
            self._given_up[publication.id] = time.monotonic() + self.settings.stale_seconds
            log.error(
                "cannot switch to released %s, still serving %s: %s",
                publication.generation,
                self.replica.generation(),
                exc,
            )
            return
        log.info("switched to %s (publication %d)", publication.generation, publication.id)

    def _note_served(self) -> bool:
        """Whether the served generation changed since last noted (a switch, or a reload by SIGHUP or admin)."""
        served = self.replica.generation()
        if served == self._served:
            return False
        self._served, self._switched_at = served, dt.datetime.now(dt.UTC)
        return True

    def _check_in(self, conn: psycopg.Connection[TupleRow]) -> None:
        self._note_served()
        member = Member(
            self.identity.replica,
            self.identity.pid,
            self.identity.address,
            self._served,
            self._switched_at,
            self.canary,
            dt.datetime.now(dt.UTC),
        )
        self.database.check_in(conn, member)
        self._next_beat = time.monotonic() + self.settings.heartbeat_seconds
