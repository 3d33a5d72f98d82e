"""The server's side of the fleet (index/fleet): its `ServerState` as a `Replica` the follower drives, and the
follower started with the app when the replicas share PostgreSQL (`FOLLOWUP_OVERRIDES_URL`)."""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from api.schemas import FleetMemberOut, FleetOut, PublicationOut
from api.settings import AppSettings
from api.state import ServerState
from index.fleet import ProbeFigures
from index.fleet.database import FleetDatabase
from index.fleet.follower import FleetFollower, Identity
from rag.answer import Answerer
from rag.probe import ProbeQuestion, read_probe, run_probe, title_probe


class ServedReplica:
    """Probes a generation without serving it, then serves that same loaded answerer if the fleet says so."""

    def __init__(self, state: ServerState, settings: AppSettings) -> None:
        self.state = state
        self.settings = settings.fleet
        self._tried: tuple[Path, Answerer] | None = None  # the generation last probed, kept for `switch`
        self._lock = threading.Lock()

    def generation(self) -> str | None:
        answerer = self.state.answerer
        return answerer.index.version if answerer is not None else None

    def probe(
        self, directory: Path, questions: list[dict[str, Any]] | None
    ) -> tuple[ProbeFigures, ProbeFigures | None]:
        candidate = self.state.candidate(directory)
        with self._lock:
            self._tried = (directory, candidate)
        asked = self._questions(candidate, questions)
        served = self.state.answerer
        return run_probe(candidate, asked), run_probe(served, asked) if served is not None else None

    def switch(self, directory: Path) -> None:
        with self._lock:
            tried, self._tried = self._tried, None
        answerer = tried[1] if tried is not None and tried[0] == directory else self.state.candidate(directory)
        self.state.serve(answerer)

    def forget(self) -> None:
        with self._lock:
            self._tried = None

    def _questions(self, candidate: Answerer, published: list[dict[str, Any]] | None) -> list[ProbeQuestion]:
        """The publisher's probe set, else FOLLOWUP_PROBE_FILE, else each servable article's title."""
        if published is not None:
            return [ProbeQuestion.model_validate(q) for q in published]
        if self.settings.probe_file is not None:
            return read_probe(self.settings.probe_file, self.settings.probe_limit)
        return title_probe(candidate, self.settings.probe_limit)


def start_follower(settings: AppSettings, state: ServerState) -> FleetFollower | None:
    """A follower when the replicas share PostgreSQL (None otherwise). It connects in its own thread: while the
    database is down the server serves its own verified generation, and follows the fleet once it is back."""
    url = settings.server.overrides_url
    if url is None:
        return None
    database = FleetDatabase(url.get_secret_value())
    address = f"{settings.server.host}:{settings.server.port}"
    identity = Identity(settings.fleet.replica_name or address, os.getpid(), address)
    return FleetFollower(database, ServedReplica(state, settings), identity, settings.index.index_dir, settings.fleet)


def fleet_status(settings: AppSettings) -> FleetOut:
    """What `followup fleet status` and GET /v1/admin/fleet show; `FleetUnavailable` when the database is down."""
    url = settings.server.overrides_url
    assert url is not None
    database = FleetDatabase(url.get_secret_value())
    now = dt.datetime.now(dt.UTC)
    with database.session() as conn:
        members = database.members(conn)
        latest = database.latest(conn)
        released = database.released(conn)
    stale = settings.fleet.stale_seconds
    return FleetOut(
        members=[FleetMemberOut.model_validate(asdict(m) | {"stale": m.stale(now, stale)}) for m in members],
        publication=PublicationOut.model_validate(asdict(latest) | {"canaries": list(latest.canaries)})
        if latest is not None
        else None,
        released=released[0].generation if released else None,
        stale_seconds=stale,
    )
