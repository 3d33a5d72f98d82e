"""Feedback as gold questions (eval/datasets.py), decided by majority, validated, and written atomically.

Per question (its digest): a passage is relevant when more clients marked it helpful than not helpful; the
question is answerable when more clients found a relevant passage than said "none of these answer", and not
answerable when more said none. Ties, and questions with only "not helpful" votes, teach nothing and are left
out (counted as undecided). The counts behind every decision go to a votes file beside the gold file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from api.feedback.model import FeedbackKind, StoredFeedback
from eval.datasets import GoldQuestion, GoldSplit, Scope


@dataclass
class QuestionVotes:
    """The votes on one question: per passage, and "none of these answer"."""

    digest: str
    question: str | None = None
    article_id: str | None = None
    history: tuple[str, ...] = ()
    helpful: dict[str, set[str]] = field(default_factory=dict)  # passage → the clients (digests) it helped
    not_helpful: Counter[str] = field(default_factory=Counter)
    none_answer: int = 0

    @property
    def gold_id(self) -> str:
        return f"feedback-{self.digest[:12]}"

    def relevant(self) -> list[str]:
        return [chunk for chunk, clients in self.helpful.items() if len(clients) > self.not_helpful[chunk]]

    def answered(self, relevant: list[str]) -> int:
        """Clients who marked a passage helpful that the majority holds relevant."""
        return len(set().union(*(self.helpful[chunk] for chunk in relevant)))

    def counts(self, decision: str) -> dict[str, object]:
        passages = sorted(set(self.helpful) | set(self.not_helpful))
        return {
            "id": self.gold_id,
            "decision": decision,
            "none_answer": self.none_answer,
            "passages": {
                chunk: {"helpful": len(self.helpful.get(chunk, ())), "not_helpful": self.not_helpful[chunk]}
                for chunk in passages
            },
        }


@dataclass(frozen=True)
class Exported:
    questions: list[GoldQuestion]
    votes: list[dict[str, object]]  # the counts per question and passage, and what was decided
    without_text: int  # questions given feedback whose text was not stored
    undecided: int  # ties, or only "not helpful"

    @property
    def answerable(self) -> int:
        return sum(question.answerable for question in self.questions)

    @property
    def unanswerable(self) -> int:
        return len(self.questions) - self.answerable


def tally(feedback: list[StoredFeedback]) -> list[QuestionVotes]:
    """The votes grouped by question, in the order the questions were first voted on."""
    grouped: dict[str, QuestionVotes] = {}
    for vote in feedback:
        votes = grouped.setdefault(vote.question_digest, QuestionVotes(vote.question_digest))
        if votes.question is None and vote.question is not None:
            votes.question, votes.article_id, votes.history = vote.question, vote.article_id, vote.history
        if vote.kind is FeedbackKind.NONE_ANSWER:
            votes.none_answer += 1
        elif vote.chunk_id is not None and vote.kind is FeedbackKind.HELPFUL:
            votes.helpful.setdefault(vote.chunk_id, set()).add(vote.client)
        elif vote.chunk_id is not None:
            votes.not_helpful[vote.chunk_id] += 1
    return list(grouped.values())


def gold_questions(feedback: list[StoredFeedback]) -> Exported:
    """One gold question per question the majority decided, split tune, so that they calibrate
    (`FOLLOWUP_ANSWERABILITY_CALIBRATION`) and are scored there. Each is validated as `GoldQuestion`."""
    questions: list[GoldQuestion] = []
    counts: list[dict[str, object]] = []
    without_text = undecided = 0
    for votes in tally(feedback):
        relevant = votes.relevant()
        answered = votes.answered(relevant)
        if answered == votes.none_answer:
            undecided += 1
            counts.append(votes.counts("undecided"))
            continue
        if votes.question is None:
            without_text += 1
            counts.append(votes.counts("without_text"))
            continue
        answerable = answered > votes.none_answer
        questions.append(
            GoldQuestion(
                id=votes.gold_id,
                question=votes.question,
                article_id=votes.article_id,
                history=list(votes.history),
                relevant=relevant if answerable else [],
                answerable=answerable,
                scope=None if answerable else Scope.NEAR_MISS,
                split=GoldSplit.TUNE,
            )
        )
        counts.append(votes.counts("answerable" if answerable else "not_answerable"))
    return Exported(questions, counts, without_text, undecided)


def votes_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.votes.jsonl")


def write_export(exported: Exported, out: Path) -> None:
    """The gold file and its votes file, each replaced whole or not at all (both made in memory first)."""
    gold = _jsonl([question.model_dump(mode="json") for question in exported.questions])
    votes = _jsonl(exported.votes)
    _write_atomically(votes_path(out), votes)
    _write_atomically(out, gold)


def _jsonl(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, aside = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(aside, path)
    except BaseException:
        Path(aside).unlink(missing_ok=True)
        raise
