"""Answer types: passages tagged by the quantities they state, questions by the kind of answer their words ask for,
matched by BM25 (index/answer_types.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.answer_types import COUNTS, asked_types, held_types
from index.bm25 import Bm25Index

DOCS = [
    "Upadacitinib is given as 15 mg once daily for ankylosing spondylitis.",
    "Herpes zoster occurred in 1% of patients on upadacitinib.",
    "Back pain often eases within 2 to 4 weeks of starting upadacitinib.",
    "Upadacitinib should not be combined with other JAK inhibitors.",
]


@pytest.mark.parametrize(
    ("passage", "types"),
    [
        ("15 mg once daily", ["@dose"]),
        ("0.5 mg/kg twice a day", ["@dose"]),
        ("occurred in 1% of patients", ["@proportion"]),
        ("affects about 1 in 10,000 people", ["@proportion"]),
        ("within 2 to 4 weeks", ["@duration"]),
        ("over the first three months", ["@duration"]),
        ("a 4-week course of 200 mg", ["@dose", "@duration"]),
        ("IL-17 inhibitors and COVID-19 vaccines", []),
        ("in a 14-year-old with a 3 month old sibling", []),  # ages
        ("Glaucoma is a group of eye diseases. It is common.", ["@definition"]),
        ("Folliculitis refers to an infection of hair follicles.", ["@definition"]),
        ("There is no cure. Treatment is a matter of support.", []),  # only an opening definition counts
        ("This condition is inherited in an autosomal recessive pattern.", []),
        ("Mutations in the TFAP2B gene cause Char syndrome.", ["@gene"]),
        ("It results from variations in several genes.", ["@gene"]),
        ("One copy of the altered gene in each cell is enough to cause it.", []),  # how it is inherited
    ],
)
def test_a_passage_holds_the_kinds_of_quantity_it_states(passage: str, types: list[str]) -> None:
    assert held_types(passage) == types


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
    assert plain.search("what's the dose?", 10) == []  # no passage says "dose"
    assert [row for row, _ in typed.search("what's the dose?", 10)] == [0]
    assert typed.search("how common is it with upadacitinib?", 10)[0][0] == 1
    assert typed.search("how long until upadacitinib helps?", 10)[0][0] == 2
    # A question that asks for no type matches the same passages as without them.
    rows = [[row for row, _ in index.search("JAK inhibitors combined", 10)] for index in (plain, typed)]
    assert rows[0] == rows[1] == [3]


def test_answer_types_survive_save_and_load(tmp_path: Path) -> None:
    typed = Bm25Index.build(DOCS, answer_types=True)
    typed.save(tmp_path)
    loaded = Bm25Index.load(tmp_path, len(DOCS), "english_and_scaffolding", True, answer_types=True)
    assert loaded.search("what's the dose?", 10) == typed.search("what's the dose?", 10)


def test_a_quantity_in_the_header_does_not_type_every_claim() -> None:
    header = "Is one month of upadacitinib enough?"  # the article's question, read by BM25 before each claim
    claims = ["Back pain often eases within 2 to 4 weeks.", "Screen for tuberculosis first.", "Avoid live vaccines."]
    index = Bm25Index.build([f"{header} {c}" for c in claims], answer_types=True, claims=claims)
    assert [row for row, _ in index.search("how long until it helps?", 10)] == [0]


def test_only_the_clinicians_words_ask_for_a_type() -> None:
    """A contextual query carries the article's question, which may name a time it does not ask about."""
    index = Bm25Index.build(DOCS, answer_types=True)
    contextual = "How long does upadacitinib take to work? what's the dose?"
    typed_by_all = index.search(contextual, 10)
    typed_by_question = index.search(contextual, 10, asking="what's the dose?")
    assert typed_by_question[0][0] == 0
    assert dict(typed_by_question).get(2, 0.0) < dict(typed_by_all)[2]  # the duration claim gains no "@duration"


def test_a_definition_counts_more_than_a_quantity() -> None:
    """A definition question names nothing but its focus: weighed once, the type loses to a passage that repeats the
    focus; counted five times (index/answer_types.py COUNTS), the passage that defines it wins. A quantity counts
    once unless the setting multiplies every type."""
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
    index = Bm25Index.build(docs, answer_types=True)
    assert COUNTS["@definition"] == 5
    assert index.search("What is glaucoma?", 10)[0][0] == 1
    plain = Bm25Index.build(docs)
    assert plain.search("What is glaucoma?", 10)[0][0] == 0  # without types the repeated focus wins
    typed = Bm25Index.build([*docs, "Herpes zoster occurred in 1% of patients."], answer_types=True)
    for question, kind, counts in (
        ("What is glaucoma?", "@definition", 5),
        ("how common is zoster?", "@proportion", 1),
    ):
        assert typed._query_terms(question).count(kind) == counts
