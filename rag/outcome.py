"""What a question gets, and why: answered, uncertain (the nearest passages, which may not answer it) or declined.

Two calibrated cut-offs of the answerability model decide most questions (rag/answerability.py): at or above the
threshold a question is answered; between the floor and the threshold it is uncertain; below the floor it is
declined. A question that names a drug or a disease that no approved article mentions, nor any word the clinical
vocabulary links it to (rag/unmentioned.py), is never answered outright: the passages would speak of another drug
or disease. It is uncertain when the model would answer it (the clinician may ask about the rest, as
"Admitted with pneumonia: continue or hold upadacitinib?" does), and declined otherwise, saying what no article
mentions. Chosen on the gold tune half over declining it always and over also asking that the best article cover
every other word (eval/HISTORY.md, fifteenth pass, issues 30 and 31).
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answerability import AnswerabilityModel
from rag.types import Outcome

NO_WORDS = "The question has no words to answer."
NOT_ANSWERED = "No approved article answers this question."
NEAREST = "These are the nearest passages in the approved articles; they may not answer your question."


def not_mentioned(names: list[str]) -> str:
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"No approved article mentions {listed}."


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str | None

    @property
    def shows_passages(self) -> bool:
        return self.outcome is not Outcome.DECLINED


def decide(
    answerability: float,
    model: AnswerabilityModel | None,
    *,
    has_words: bool,
    unmentioned: list[str],
) -> Decision:
    """`model` None (abstention off, or a corpus too small to learn from): every question that has words is
    answered, as before there were outcomes; the answer still lists what no article mentions."""
    if not has_words:
        return Decision(Outcome.DECLINED, NO_WORDS)
    if model is None:
        return Decision(Outcome.ANSWERED, None)
    threshold, floor = model.threshold, model.floor
    if unmentioned:
        if answerability >= threshold:
            return Decision(Outcome.UNCERTAIN, f"{not_mentioned(unmentioned)} {NEAREST}")
        return Decision(Outcome.DECLINED, not_mentioned(unmentioned))
    if answerability >= threshold:
        return Decision(Outcome.ANSWERED, None)
    if answerability >= floor:
        return Decision(Outcome.UNCERTAIN, NEAREST)
    return Decision(Outcome.DECLINED, NOT_ANSWERED)
