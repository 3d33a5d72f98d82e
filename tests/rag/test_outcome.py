"""What a question gets (rag/outcome.py): answered at the threshold, uncertain down to the floor, declined below it,
and never answered outright when it names something no approved article mentions."""

from __future__ import annotations

import pytest

from corpus.model import Article, Reference
from rag.answerability import FEATURES, AnswerabilityModel
from rag.outcome import NEAREST, NO_WORDS, NOT_ANSWERED, decide, not_mentioned
from rag.passages import cited_references
from rag.types import Outcome

N = len(FEATURES)
MODEL = AnswerabilityModel.uncalibrated([0.0] * N, [1.0] * N, [0.0] * N, 0.0).model_copy(
    update={"threshold": 0.3, "target_answered": 0.95, "floor": 0.05, "floor_answered": 0.99}
)


@pytest.mark.parametrize(
    ("answerability", "outcome", "reason"),
    [
        (0.9, Outcome.ANSWERED, None),
        (0.3, Outcome.ANSWERED, None),
        (0.1, Outcome.UNCERTAIN, NEAREST),
        (0.05, Outcome.UNCERTAIN, NEAREST),
        (0.01, Outcome.DECLINED, NOT_ANSWERED),
    ],
)
def test_the_threshold_and_the_floor_cut_three_ways(answerability: float, outcome: Outcome, reason: str | None) -> None:
    decision = decide(answerability, MODEL, has_words=True, unmentioned=[])
    assert (decision.outcome, decision.reason) == (outcome, reason)
    assert decision.shows_passages == (outcome is not Outcome.DECLINED)


def test_an_unmentioned_name_is_never_answered_outright_and_is_said() -> None:
    sure = decide(0.9, MODEL, has_words=True, unmentioned=["ocrelizumab"])
    assert sure.outcome is Outcome.UNCERTAIN
    assert sure.reason == f"No approved article mentions ocrelizumab. {NEAREST}"
    doubtful = decide(0.2, MODEL, has_words=True, unmentioned=["ocrelizumab", "Ocrevus", "MS"])
    assert doubtful.outcome is Outcome.DECLINED
    assert (
        doubtful.reason
        == "No approved article mentions ocrelizumab, Ocrevus or MS."
        == not_mentioned(["ocrelizumab", "Ocrevus", "MS"])
    )


def test_without_words_or_without_a_model() -> None:
    assert decide(0.9, MODEL, has_words=False, unmentioned=[]).reason == NO_WORDS
    lenient = decide(0.0, None, has_words=True, unmentioned=["ocrelizumab"])  # abstention off
    assert lenient.outcome is Outcome.ANSWERED and lenient.reason is None


def test_references_follow_the_citations_and_give_a_web_address() -> None:
    article = Article.model_validate(
        {
            "id": "x",
            "question": "q?",
            "status": "approved",
            "last_updated": "2026-01-01",
            "references": [
                Reference(number=1, text="Smith J. A trial. N Engl J Med. 2020. https://doi.org/10.1/abc."),
                Reference(number=2, text="Jones K. Guidance (2021)."),
            ],
        }
    )
    refs = cited_references(article, (2, 1, 2, 9))
    assert [(r.number, r.url) for r in refs] == [(2, None), (1, "https://doi.org/10.1/abc")]
