"""What an override store holds and promises, whichever database keeps it (SQLite embedded, PostgreSQL shared).

An override wins over the corpus status recorded in a generation until a build includes the change: when a
server loads a generation built after the override was set whose corpus status equals it, the override is marked
`included_in` that generation. From then on generations at least that new follow the corpus; older ones (a
rollback) keep the override, so rolling back never un-retracts an article. See `rag.servable` for the rule.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corpus.model import ReviewStatus

# The longest another server may keep serving a status after a change was committed (README, issue 13).
PROPAGATION_SECONDS = 1.0


@dataclass(frozen=True)
class Override:
    article_id: str
    status: ReviewStatus
    set_at: dt.datetime
    included_in: str | None


@dataclass(frozen=True)
class AuditEntry:
    article_id: str
    at: dt.datetime
    who: str
    reason: str
    old_status: ReviewStatus | None
    new_status: ReviewStatus
    generation: str | None


Snapshot = Mapping[str, Override]

AUDIT_COLUMNS = "article_id, at, who, reason, old_status, new_status, generation"


def audit_entry(row: Sequence[Any], at: dt.datetime) -> AuditEntry:
    """An audit row selected as `AUDIT_COLUMNS`; `at` parsed by the store (SQLite keeps text, PostgreSQL a time)."""
    old, new = row[4], row[5]
    return AuditEntry(row[0], at, row[2], row[3], ReviewStatus(old) if old else None, ReviewStatus(new), row[6])


class OverridesUnavailable(Exception):
    """The status database cannot be reached or written; the message says which one and what to check."""


class OverrideStore(ABC):
    """Durable overrides with their audit trail, shared by every server process that opens the same database.

    `snapshot()` is what each request reads: cheap (never a network round trip), and a new object only when
    something changed (so derived caches can be keyed by identity). A change made through one store is in its
    own next snapshot, and in every other store's within `PROPAGATION_SECONDS`.
    """

    @abstractmethod
    def snapshot(self) -> Snapshot: ...

    @abstractmethod
    def audit(self, article_id: str | None = None) -> list[AuditEntry]: ...

    @abstractmethod
    def close(self) -> None: ...

    def set_status(
        self,
        article_id: str,
        status: ReviewStatus,
        *,
        who: str,
        reason: str,
        old_status: ReviewStatus | None,
        generation: str | None,
    ) -> Override:
        """Records the override and its audit entry in one transaction, then publishes a new snapshot."""
        now = dt.datetime.now(dt.UTC)
        self._record(
            Override(article_id, status, now, None),
            AuditEntry(article_id, now, who, reason, old_status, status, generation),
        )
        return self.snapshot()[article_id]

    def mark_included(
        self, generation: str, created_at: dt.datetime, statuses: Mapping[str, ReviewStatus]
    ) -> list[str]:
        """Marks overrides that a generation built after them already includes; returns their article ids."""
        now = dt.datetime.now(dt.UTC)
        reason = f"{generation} includes this status; the corpus decides again from it on"
        included = [
            (o, AuditEntry(o.article_id, now, "build", reason, o.status, o.status, generation))
            for o in self.snapshot().values()
            if o.included_in is None and o.set_at < created_at and statuses.get(o.article_id) == o.status
        ]
        return self._include(generation, included) if included else []

    @abstractmethod
    def _record(self, override: Override, entry: AuditEntry) -> None:
        """In one transaction: upserts the override and appends the entry; then this store's snapshot has it."""

    @abstractmethod
    def _include(self, generation: str, included: list[tuple[Override, AuditEntry]]) -> list[str]:
        """In one transaction: marks each override `included_in` the generation and audits it, but only if it is
        still unmarked and unchanged (replicas loading the same generation race here); returns the ids marked."""


def audit_values(entry: AuditEntry, at: object) -> tuple[object, ...]:
    """The row an entry is stored as, in `AUDIT_COLUMNS` order; `at` as the database keeps times."""
    old = entry.old_status.value if entry.old_status else None
    return (entry.article_id, at, entry.who, entry.reason, old, entry.new_status.value, entry.generation)
