"""What the fleet database holds: publications (a generation announced, and the canary's decision) and members
(each serving process, as it last checked in)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FleetUnavailable(Exception):
    """The fleet database cannot be reached, or a publication cannot be made; the message says what to do."""


class PublicationState(StrEnum):
    CANARY = "canary"  # announced: the canaries are trying it, nobody else switches
    RELEASED = "released"  # the canary held: every replica switches to it
    FAILED = "failed"  # the canary refused it (or never answered): the fleet stays where it was


@dataclass(frozen=True)
class Publication:
    id: int
    generation: str
    source: str  # the folder the generation is read from
    manifest_sha256: str
    canaries: tuple[str, ...]
    state: PublicationState
    reason: str
    probe: dict[str, Any]  # the canary's figures, new and old
    probe_set: list[dict[str, Any]] | None  # the questions the canary asks (gold fields); None: its default
    who: str
    published_at: dt.datetime
    decided_at: dt.datetime | None


@dataclass(frozen=True)
class Member:
    replica: str
    pid: int
    address: str
    generation: str | None
    switched_at: dt.datetime | None
    canary: bool
    last_seen: dt.datetime

    def stale(self, now: dt.datetime, stale_seconds: float) -> bool:
        return (now - self.last_seen).total_seconds() > stale_seconds
