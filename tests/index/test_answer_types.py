"""Answer types, the build's half: passages tagged by the quantities they state, indexed as terms BM25 matches
(index/answer_types.py; what a question asks for: tests/rag/language/test_asked_types.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.answer_types import held_types
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


def test_a_type_is_a_term_of_the_passages_that_hold_it() -> None:
    plain, typed = Bm25Index.build(DOCS), Bm25Index.build(DOCS, answer_types=True)
    assert plain.search(["@dose"], 10) == []
    assert [row for row, _ in typed.search(["@dose"], 10)] == [0]
    assert [row for row, _ in typed.search(["@proportion"], 10)] == [1]
    assert [row for row, _ in typed.search(["@duration"], 10)] == [2]


def test_answer_types_survive_save_and_load(tmp_path: Path) -> None:
    typed = Bm25Index.build(DOCS, answer_types=True)
    typed.save(tmp_path)
    loaded = Bm25Index.load(tmp_path, len(DOCS), "english_and_scaffolding", True, answer_types=True)
    assert loaded.search(["@dose"], 10) == typed.search(["@dose"], 10) != []


def test_a_quantity_in_the_header_does_not_type_every_claim() -> None:
    header = "Is one month of upadacitinib enough?"  # the article's question, read by BM25 before each claim
    claims = ["Back pain often eases within 2 to 4 weeks.", "Screen for tuberculosis first.", "Avoid live vaccines."]
    index = Bm25Index.build([f"{header} {c}" for c in claims], answer_types=True, claims=claims)
    assert [row for row, _ in index.search(["@duration"], 10)] == [0]
