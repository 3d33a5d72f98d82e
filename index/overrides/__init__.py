"""Admin status overrides (approve, retract… without a rebuild) with an audit trail: the interface and its opener.

SQLite (one file, the default) suits one server or several on one machine; PostgreSQL (`FOLLOWUP_OVERRIDES_URL`)
lets replicas on several machines share one review status. Callers use `OverrideStore` and never learn which.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import SecretStr

from index.overrides.model import (
    PROPAGATION_SECONDS,
    AuditEntry,
    Override,
    OverrideStore,
    OverridesUnavailable,
    Snapshot,
)
from index.overrides.sqlite import SqliteOverrideStore

log = logging.getLogger("followup.overrides")

__all__ = [
    "PROPAGATION_SECONDS",
    "AuditEntry",
    "Override",
    "OverrideStore",
    "OverridesUnavailable",
    "Snapshot",
    "SqliteOverrideStore",
    "existing_override_store",
    "open_override_store",
]


def open_override_store(db: Path, url: SecretStr | None = None) -> OverrideStore:
    """The PostgreSQL store at `url` or else the SQLite file `db`, created if missing; PostgreSQL stores follow
    other replicas in a background thread."""
    if url is not None:
        from index.overrides.postgres import PostgresOverrideStore  # psycopg only where PostgreSQL is used

        if db.is_file():  # e.g. left from before the switch: its retractions would silently stop applying
            log.warning("%s holds status overrides that are NOT in effect (FOLLOWUP_OVERRIDES_URL is set)", db)
        return PostgresOverrideStore(url.get_secret_value())
    return SqliteOverrideStore(db)


def existing_override_store(db: Path, url: SecretStr | None = None) -> OverrideStore | None:
    """As `open_override_store`, but None rather than a new empty SQLite file (one-shot commands that only read)."""
    if url is None and not db.is_file():
        return None
    return open_override_store(db, url)
