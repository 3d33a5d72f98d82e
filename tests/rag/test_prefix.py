"""Prefix stability: for any question, context and mode, `top_k = n` shows exactly the first n passages of
`top_k = 50` (the page asks for 3; evaluation and the API's largest answer see the same order)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.answer import Answerer
from rag.types import Mode
from tests.conftest import examples

WORDS = (
    "upadacitinib rinvoq dose neutropenia smokers older patients tuberculosis screening vaccine shingles zoster "
    "alopecia psoriasis liver kidney eGFR folliculitis hot tub weight loss yoga week 14 ASAS40 AS nr-axSpA "
    "pregnancy infection stop restart surgery methotrexate NSAIDs TNF biologic how when what is it safe ok"
).split()
ARTICLES = (
    None,
    "ab6a97c2e0394c38",
    "d933c7ea9197f845",
    "f2b5bd9e02c2ecb5",
    "c083de5c99285477",
    "4c0f9abcf5e8ef78",
    "27b8483195f9c2f0",
)

questions = st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join),
    st.text(min_size=1, max_size=60).filter(lambda t: t.strip()),
)


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    question=questions,
    article_id=st.sampled_from(ARTICLES),
    history=st.lists(questions, max_size=2),
    mode=st.sampled_from(list(Mode)),
    top_k=st.integers(min_value=1, max_value=49),
)
def test_top_k_passages_are_a_prefix_of_the_longest_answer(
    answerer: Answerer, question: str, article_id: str | None, history: list[str], mode: Mode, top_k: int
) -> None:
    short = answerer.ask(question, article_id=article_id, history=history, mode=mode, top_k=top_k)
    long = answerer.ask(question, article_id=article_id, history=history, mode=mode, top_k=50)
    assert short.answered == long.answered and short.answerability == long.answerability
    assert [(p.chunk_id, p.score) for p in short.passages] == [(p.chunk_id, p.score) for p in long.passages[:top_k]]
    if long.answered:
        assert len(short.passages) == min(top_k, len(long.passages))
