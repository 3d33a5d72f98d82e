"""A vote to store, and a clock the tests move, for the feedback stores of both kinds."""

from __future__ import annotations

import datetime as dt

from api.feedback import Feedback, FeedbackKind

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def vote(
    question: str = "How common was herpes zoster on upadacitinib?",
    kind: FeedbackKind = FeedbackKind.HELPFUL,
    chunk_id: str | None = "a:1",
    client: str = "host:10.0.0.1",
) -> Feedback:
    if kind is FeedbackKind.NONE_ANSWER:
        chunk_id = None
    return Feedback(kind, question, None, (), chunk_id, "v1", client)
