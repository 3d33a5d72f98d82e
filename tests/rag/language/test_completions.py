"""Shortened words complete to the terms the corpus uses (rag/language/completions.py)."""

from __future__ import annotations

from index.bm25 import Bm25Index
from rag.language.completions import Completions


def test_a_shortened_word_completes_to_the_terms_the_corpus_uses() -> None:
    """Clinicians shorten what the corpus spells out ("upa", "tofa"); two letters are too short to tell."""
    complete = Completions(Bm25Index.build(["Upadacitinib and tofacitinib are JAK inhibitors; upadacitinib is newer."]))
    assert complete("upa") == ["upadacitinib"]
    assert complete("tofa") == ["tofacitinib"]
    assert complete("up") == []
    assert complete("zzz") == []


def test_at_most_the_limit_in_alphabetical_order() -> None:
    complete = Completions(Bm25Index.build(["neutropenia neutrophil neutral neutron"]), limit=2)
    assert complete("neutr") == ["neutral", "neutron"]
