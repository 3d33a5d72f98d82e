"""Abstention by default: the index's answerability model declines what no approved article answers."""

from __future__ import annotations

import pytest

from index.embedder import Embedder
from index.store import LoadedIndex
from rag.answer import Answerer
from rag.answerability import AnswerabilityModel
from rag.settings import PipelineSettings
from rag.types import CAVEAT

OFF_TOPIC = [
    "What is the capital of France?",
    "How do I reset the password of my home wifi router?",
]
IN_SCOPE = [
    "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at week 14 on upadacitinib?",
    "Does hot tub folliculitis need antibiotics?",
]
NOTHING_TO_ANSWER = ["\x00", "???", " .,;:!? ", "\x00\x01\x02", "--"]


def test_the_index_carries_a_calibrated_model(answerer: Answerer) -> None:
    model = answerer.answerability_model
    assert isinstance(model, AnswerabilityModel)
    assert 0 < model.threshold < 1 and model.target_answered == 0.95
    assert model.calibration_questions >= 30


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_an_off_topic_question_is_declined_with_the_caveat(answerer: Answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.answered is False and answer.passages == []
    assert answer.caveat == CAVEAT
    assert 0 <= answer.answerability < answerer.answerability_model.threshold  # type: ignore[union-attr]


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_an_article_page_does_not_lift_an_off_topic_question(answerer: Answerer, question: str) -> None:
    article_id = next(a.id for a in answerer.index.articles.values() if a.is_approved)
    assert answerer.ask(question, article_id=article_id).answered is False


@pytest.mark.parametrize("question", IN_SCOPE)
def test_an_answerable_question_is_answered(answerer: Answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.answered is True and answer.passages
    assert answer.answerability >= answerer.answerability_model.threshold  # type: ignore[union-attr]


@pytest.mark.parametrize("question", NOTHING_TO_ANSWER)
def test_a_question_without_words_is_never_answered(answerer: Answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.answered is False and answer.passages == [] and answer.answerability == 0


def test_abstention_can_be_turned_off(
    sample_index: LoadedIndex, embedder: Embedder, settings: PipelineSettings
) -> None:
    lenient = Answerer(
        sample_index, embedder, settings.retrieval.model_copy(update={"abstention": False}), settings.related
    )
    answer = lenient.ask("Amoxicillin dose for acute otitis media in a toddler?")
    assert answer.answered is True and answer.passages
    assert lenient.ask("???").answered is False
