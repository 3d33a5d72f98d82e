"""A question's terms looked up in the clinical vocabulary (rag/language/alternatives.py), over a small table as an
index build writes it (how the build fills it from its sources: tests/index/test_vocabulary.py)."""

from __future__ import annotations

import pytest

from index.tokenize import Tokenizer
from index.vocabulary import Vocabulary
from rag.language.alternatives import VocabularyLookup

tokenize = Tokenizer()
VOCABULARY = Vocabulary(
    phrases={
        "shingl": ("herpes zoster",),
        "mtx": ("methotrexate",),
        "anc": ("absolute neutrophil count", "neutrophil count"),
        "nr-axspa nr axspa": ("non-radiographic axial spondyloarthritis",),
        "flu": ("influenza",),
        "flu vaccin": ("influenza vaccine",),
    },
    cased={"AS": ("ankylosing spondylitis",)},
)


@pytest.fixture(scope="module")
def lookup() -> VocabularyLookup:
    return VocabularyLookup(VOCABULARY, tokenize)


def test_a_question_finds_what_the_corpus_calls_its_terms(lookup: VocabularyLookup) -> None:
    assert lookup.alternatives("how common is shingles on it?") == ["herpes zoster"]
    assert lookup.alternatives("can it be combined with MTX?") == ["methotrexate"]
    assert lookup.alternatives("can it be combined with mtx?") == ["methotrexate"]
    assert lookup.alternatives("does nr-axSpA respond?") == ["non-radiographic axial spondyloarthritis"]
    assert lookup.alternatives("upadacitinib dose") == []


def test_alternatives_come_in_question_order_each_once(lookup: VocabularyLookup) -> None:
    assert lookup.alternatives("MTX, shingles and MTX again") == ["methotrexate", "herpes zoster"]


def test_a_longer_phrase_and_its_parts_all_count(lookup: VocabularyLookup) -> None:
    assert lookup.alternatives("a flu vaccine on it?") == ["influenza vaccine", "influenza"]


def test_short_forms_that_are_also_words_count_only_as_typed(lookup: VocabularyLookup) -> None:
    assert lookup.alternatives("ASAS40 at week 14 in bio-naive AS?") == ["ankylosing spondylitis"]
    assert lookup.alternatives("as soon as possible") == []


def test_a_question_knows_which_of_its_terms_the_corpus_says_another_way(lookup: VocabularyLookup) -> None:
    """Answerability counts these as reached, not as words outside the corpus (rag/answerability.py)."""
    linked = lookup.linked_terms("how common is shingles with MTX?")
    assert linked == {"shingl": {("herp", "zoster")}, "mtx": {("methotrex",)}}
    assert lookup.linked_terms("what ANC cut-off?") == {
        "anc": {("absolut", "neutrophil", "count"), ("neutrophil", "count")}
    }
    assert lookup.linked_terms("is it safe in gout?") == {}
