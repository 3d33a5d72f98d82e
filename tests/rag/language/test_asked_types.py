"""Answer types, the query's half: a question asks for the kinds of answer its words name, and BM25 meets the
passages that hold them (rag/language/asked_types.py; the passages' half: tests/index/test_answer_types.py)."""

from __future__ import annotations

import pytest

from index.answer_types import VERSION
from index.bm25 import Bm25Index
from index.lexicon import read_lexicon
from rag.language.asked_types import COUNTS, CUES, NOT_DEFINITIONS, asked_types, counted_types
from rag.language.bm25_query import Bm25Queries

DOCS = [
    "Upadacitinib is given as 15 mg once daily for ankylosing spondylitis.",
    "Herpes zoster occurred in 1% of patients on upadacitinib.",
    "Back pain often eases within 2 to 4 weeks of starting upadacitinib.",
    "Upadacitinib should not be combined with other JAK inhibitors.",
]


def search(index: Bm25Index, question: str, asking: str | None = None) -> list[tuple[int, float]]:
    query = Bm25Queries(index.tokenize, index.answer_types)(question, asking)
    return index.search(query.terms, 10)


@pytest.mark.parametrize(
    ("question", "types"),
    [
        ("what's the dose?", ["@dose"]),
        ("How common is shingles on it?", ["@proportion"]),
        ("what proportion respond?", ["@proportion"]),
        ("how long until it works?", ["@duration"]),
        ("Upadacitinib dose for a 14-year-old weighing 50 kg?", ["@dose"]),
        ("is it safe with methotrexate?", []),
        ("on 15 mg, weighs 109 kg - any interactions?", []),  # the patient's numbers are not what is asked
        ("does the response hold up after a year?", ["@duration"]),  # a time named asks about timing
        ("What is (are) Glaucoma ?", ["@definition"]),
        ("what does ASAS40 mean?", ["@definition"]),
        ("What is the outlook for glaucoma?", []),
        ("what is upa's half life?", []),
        ("What are the genetic changes related to Char syndrome ?", ["@gene"]),
        ("which gene is involved?", ["@gene"]),
        ("genetic testing before starting?", []),
    ],
)
def test_a_question_asks_for_the_kinds_its_words_name(question: str, types: list[str]) -> None:
    assert asked_types(question) == types


def test_bm25_matches_the_kind_of_answer_asked_for() -> None:
    plain, typed = Bm25Index.build(DOCS), Bm25Index.build(DOCS, answer_types=True)
    assert search(plain, "what's the dose?") == []  # no passage says "dose", and the index holds no types
    assert [row for row, _ in search(typed, "what's the dose?")] == [0]
    assert search(typed, "how common is it with upadacitinib?")[0][0] == 1
    assert search(typed, "how long until upadacitinib helps?")[0][0] == 2
    # A question that asks for no type matches the same passages as without them.
    rows = [[row for row, _ in search(index, "JAK inhibitors combined")] for index in (plain, typed)]
    assert rows[0] == rows[1] == [3]


def test_only_the_clinicians_words_ask_for_a_type() -> None:
    """A contextual query carries the article's question, which may name a time it does not ask about."""
    index = Bm25Index.build(DOCS, answer_types=True)
    contextual = "How long does upadacitinib take to work? what's the dose?"
    typed_by_all = search(index, contextual)
    typed_by_question = search(index, contextual, asking="what's the dose?")
    assert typed_by_question[0][0] == 0
    assert dict(typed_by_question).get(2, 0.0) < dict(typed_by_all)[2]  # the duration claim gains no "@duration"


def test_a_definition_counts_more_than_a_quantity() -> None:
    """A definition question names nothing but its focus: weighed once, the type loses to a passage that repeats the
    focus; counted five times (COUNTS), the passage that defines it wins. A quantity counts once."""
    docs = [
        "Glaucoma damages the optic nerve; glaucoma screening finds glaucoma early.",
        "Glaucoma is a group of eye diseases that damage the optic nerve.",
        "A cataract is a clouding of the lens.",
        "Myopia is a common cause of blurred distant vision.",
        "Keratitis is an inflammation of the cornea.",
        "Eye drops lower the pressure in the eye.",
        "Laser treatment can open the drainage angle.",
        "Regular eye examinations are advised after the age of forty.",
        "Blurred vision after surgery usually settles within days.",
        "Sunglasses protect the lens from ultraviolet light.",
    ]
    assert COUNTS["@definition"] == 5
    assert search(Bm25Index.build(docs, answer_types=True), "What is glaucoma?")[0][0] == 1
    assert search(Bm25Index.build(docs), "What is glaucoma?")[0][0] == 0  # without types the repeated focus wins
    assert counted_types("What is glaucoma?") == ["@definition"] * 5
    assert counted_types("how common is zoster?") == ["@proportion"]


def test_the_cue_lexicons_carry_the_version_that_keys_indexes() -> None:
    """The answerability model is trained on the BM25 scores the cues give, so they share the index's version."""
    assert read_lexicon(CUES).version == read_lexicon(NOT_DEFINITIONS).version == str(VERSION)
