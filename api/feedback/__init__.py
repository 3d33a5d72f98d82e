"""Clinicians' feedback on answers: a write path of its own, bounded, and exported as gold questions.

A passage marked helpful is a relevant passage for its question; "none of these answer" marks the question as one
no approved article answers. Exported in the gold format (eval/datasets.py) by majority (`export.py`), they are
what `followup eval --gold` scores and what `FOLLOWUP_ANSWERABILITY_CALIBRATION` calibrates on: the deployment's
own questions. Questions may hold patient details, so their text (and the earlier turns) is stored only with
`FOLLOWUP_FEEDBACK_QUESTIONS=true`; otherwise a keyed digest (`digest.py`) groups the votes on one question, and
such feedback cannot become a gold question (the export counts it). Feedback never shares a file, a table or a
connection with review status (`sqlite.py`, `postgres.py`), so it cannot hold up an editor's change.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from api.feedback.model import (
    Bounds,
    Feedback,
    FeedbackKind,
    FeedbackStore,
    FeedbackUnavailable,
    StoredFeedback,
)
from api.feedback.sqlite import SqliteFeedbackStore

__all__ = [
    "Bounds",
    "Feedback",
    "FeedbackKind",
    "FeedbackStore",
    "FeedbackUnavailable",
    "SqliteFeedbackStore",
    "StoredFeedback",
    "open_feedback_store",
]


def open_feedback_store(db: Path, bounds: Bounds, url: SecretStr | None = None) -> FeedbackStore:
    """PostgreSQL at `url` (tables of its own), else the SQLite file `db`; either made if missing."""
    if url is not None:
        from api.feedback.postgres import PostgresFeedbackStore

        return PostgresFeedbackStore(url.get_secret_value(), bounds)
    return SqliteFeedbackStore(db, bounds)
