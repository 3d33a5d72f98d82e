"""Ranking with the clinical vocabulary, through the served pipeline over the sample corpus built with the defaults."""

from __future__ import annotations

import pytest

from eval.runner import served_answerer
from index.embedder import Embedder
from index.store import LoadedIndex
from index.vocabulary import VOCABULARY_FILE
from rag.answer import Answerer
from rag.language.alternatives import VocabularyLookup
from rag.settings import PipelineSettings
from rag.types import Mode

SHINGLES = "shingles rate on upadacitinib"


@pytest.fixture(scope="module")
def without_vocabulary(sample_index: LoadedIndex, settings: PipelineSettings, embedder: Embedder) -> Answerer:
    """Retrieval and fusion as if the generation had no vocabulary: its alternatives weigh nothing (no reader)."""
    return served_answerer(sample_index, _fused_only(settings).replace(vocabulary_weight=0.0), embedder)


@pytest.fixture(scope="module")
def fused(sample_index: LoadedIndex, settings: PipelineSettings, embedder: Embedder) -> Answerer:
    """Retrieval and fusion with the vocabulary, as served but for the reader, which reorders the best passages
    whatever retrieval found first: what BM25's alternatives do is seen apart from it."""
    return served_answerer(sample_index, _fused_only(settings), embedder)


def _fused_only(settings: PipelineSettings) -> PipelineSettings:
    return settings.replace(reader=False, abstention=False)


def test_the_generation_carries_its_vocabulary_checksummed(sample_index: LoadedIndex) -> None:
    assert VOCABULARY_FILE in sample_index.manifest.files
    assert sample_index.vocabulary is not None
    lookup = VocabularyLookup(sample_index.vocabulary, sample_index.bm25.tokenize)
    assert "herpes zoster" in lookup.alternatives(SHINGLES)


def _first_rank(answerer: Answerer, question: str, word: str, mode: Mode) -> int:
    hits = answerer.search(question, mode=mode).hits
    return next(i for i, h in enumerate(hits, 1) if word in answerer.index.chunks[h.row].text.lower())


@pytest.mark.parametrize("mode", [Mode.BM25, Mode.HYBRID])
@pytest.mark.parametrize(("question", "said"), [(SHINGLES, "zoster"), ("Hb cut-off to start upa?", "hemoglobin")])
def test_a_lay_word_or_abbreviation_finds_the_claims_that_say_it_clinically(
    fused: Answerer, without_vocabulary: Answerer, question: str, said: str, mode: Mode
) -> None:
    assert _first_rank(fused, question, said, mode) < _first_rank(without_vocabulary, question, said, mode)


def test_a_question_without_alternatives_ranks_as_without_the_vocabulary(
    fused: Answerer, without_vocabulary: Answerer
) -> None:
    question = "What share of biologic-naive patients reached ASAS40 at week 14?"  # no drug name: those have brands
    assert fused.ranker.bm25.alternatives(question) == []
    assert fused.search(question).hits == without_vocabulary.search(question).hits


def test_an_articles_coverage_of_question_terms_is_read_from_the_postings(answerer: Answerer) -> None:
    """What the answerability features call "the article holds the term" is exactly what tokenising its text says
    (for the articles BM25 indexed: those approved at build time; others hold nothing)."""
    index = answerer.index
    with_question = index.manifest.bm25.header == "question_and_section"
    terms = sorted(index.bm25.tokenize(" ".join(a.question for a in index.articles.values())))
    terms += ["neutropenia", "zzznotaword", "herpe"]
    for article_id, rows in index.chunks.rows_by_article().items():
        held = {t for r in rows for t in index.bm25.tokenize(index.chunks[r].lexical_text(with_question))}
        approved = index.articles[article_id].is_approved
        coverage = answerer.ranker.bm25.held_by(terms, rows)
        assert [approved and t in held for t in terms] == coverage.tolist(), article_id
    assert not answerer.ranker.bm25.held_by(terms, []).any()
