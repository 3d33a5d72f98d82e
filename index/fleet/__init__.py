"""Publish a generation once and let every replica serve it, a canary first (issue 37).

A publication is a row in the PostgreSQL database the replicas already share (`FOLLOWUP_OVERRIDES_URL`) plus a
NOTIFY (`database.py`). The canaries it names fetch the generation (`source.py`), verify it, probe it against the
one they serve (`canary.py`) and decide it; every other replica switches once it is released (`follower.py`). Each
serving process checks in, so `followup fleet status` shows who serves what. `publish.py` is the publisher's side.

Only the plain pieces are imported here: psycopg is loaded by `database.py`, where PostgreSQL is used.
"""

from index.fleet.canary import ProbeFigures, Verdict, judge
from index.fleet.model import FleetUnavailable, Member, Publication, PublicationState
from index.fleet.settings import FleetSettings

__all__ = [
    "FleetSettings",
    "FleetUnavailable",
    "Member",
    "ProbeFigures",
    "Publication",
    "PublicationState",
    "Verdict",
    "judge",
]
