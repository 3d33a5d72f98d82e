"""Abstention: with a similarity floor set, a question nothing approved answers gets no passages (and the caveat)."""

from __future__ import annotations

import pytest

from index.embedder import Embedder
from index.settings import Settings
from index.store import LoadedIndex
from rag.answer import Answerer
from rag.types import CAVEAT

FAR_OUT_OF_SCOPE = [
    "Target INR for warfarin with a mechanical mitral valve?",
    "Salbutamol inhaler dosing with spacer for a 5-year-old with an asthma attack?",
    "Amoxicillin dose for acute otitis media in a toddler?",
]
IN_SCOPE = [
    "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at week 14 on upadacitinib?",
    "Does hot tub folliculitis need antibiotics?",
]


@pytest.fixture(scope="module")
def cautious(sample_index: LoadedIndex, embedder: Embedder) -> Answerer:
    return Answerer(sample_index, embedder, Settings(abstain_below=0.45))


@pytest.mark.parametrize("question", FAR_OUT_OF_SCOPE)
def test_out_of_scope_question_is_not_answered(cautious: Answerer, question: str) -> None:
    answer = cautious.ask(question)
    assert answer.answered is False
    assert answer.passages == []
    assert answer.caveat == CAVEAT


@pytest.mark.parametrize("question", IN_SCOPE)
def test_answerable_question_is_still_answered(cautious: Answerer, question: str) -> None:
    answer = cautious.ask(question)
    assert answer.answered is True and answer.passages


def test_no_floor_means_no_abstention(answerer: Answerer) -> None:
    assert answerer.settings.abstain_below is None
    assert answerer.ask(FAR_OUT_OF_SCOPE[0]).answered is True
