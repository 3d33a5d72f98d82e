"""Feedback as gold questions (api/feedback/export.py): decided by majority, with the counts, validated, written
whole or not at all."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.feedback import FeedbackKind, StoredFeedback
from api.feedback.export import gold_questions, votes_path, write_export
from eval.datasets import load_gold

HELPFUL, NOT_HELPFUL, NONE = FeedbackKind.HELPFUL, FeedbackKind.NOT_HELPFUL, FeedbackKind.NONE_ANSWER


def _vote(
    digest: str, client: str, kind: FeedbackKind, chunk_id: str | None = None, text: bool = True
) -> StoredFeedback:
    question = f"question {digest}" if text else None
    return StoredFeedback(kind, client, chunk_id, None, digest * 16, question, ())


def test_the_majority_decides_relevance_and_answerability_and_the_counts_are_kept(tmp_path: Path) -> None:
    feedback = [
        # q1: a:1 helpful to two clients, not to one → relevant; a:2 tied → not; one "none" against two answered
        _vote("1", "c1", HELPFUL, "a:1"),
        _vote("1", "c2", HELPFUL, "a:1"),
        _vote("1", "c3", NOT_HELPFUL, "a:1"),
        _vote("1", "c1", HELPFUL, "a:2"),
        _vote("1", "c2", NOT_HELPFUL, "a:2"),
        _vote("1", "c3", NONE),
        # q2: "none" by two, one found a passage helpful → not answerable
        _vote("2", "c1", NONE),
        _vote("2", "c2", NONE),
        _vote("2", "c3", HELPFUL, "b:1"),
        # q3: one each way → undecided; q4: only not helpful → undecided; q5: no text stored
        _vote("3", "c1", NONE),
        _vote("3", "c2", HELPFUL, "c:1"),
        _vote("4", "c1", NOT_HELPFUL, "d:1"),
        _vote("5", "c1", HELPFUL, "e:1", text=False),
    ]
    exported = gold_questions(feedback)
    assert (exported.answerable, exported.unanswerable, exported.undecided, exported.without_text) == (1, 1, 2, 1)
    out = tmp_path / "gold" / "feedback.jsonl"
    write_export(exported, out)
    answerable, unanswerable = load_gold(out)
    assert answerable.question == "question 1" and answerable.relevant == ["a:1"]
    assert not unanswerable.answerable and unanswerable.relevant == [] and unanswerable.scope is not None
    votes = [json.loads(line) for line in votes_path(out).read_text(encoding="utf-8").splitlines()]
    assert [v["decision"] for v in votes] == ["answerable", "not_answerable", "undecided", "undecided", "without_text"]
    assert votes[0]["none_answer"] == 1
    assert votes[0]["passages"] == {"a:1": {"helpful": 2, "not_helpful": 1}, "a:2": {"helpful": 1, "not_helpful": 1}}


def test_a_failed_export_leaves_the_previous_files_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "feedback.jsonl"
    write_export(gold_questions([_vote("1", "c1", HELPFUL, "a:1")]), out)
    before = out.read_bytes(), votes_path(out).read_bytes()
    with pytest.raises(ValidationError):  # a stored question that is no gold question (empty text): never written
        gold_questions([StoredFeedback(HELPFUL, "c1", "a:1", None, "2" * 16, "", ())])

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_export(gold_questions([_vote("2", "c1", HELPFUL, "b:1")]), out)
    assert (out.read_bytes(), votes_path(out).read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback.jsonl", "feedback.votes.jsonl"]  # none aside
