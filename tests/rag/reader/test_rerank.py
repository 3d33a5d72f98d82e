"""The reader in the served pipeline: it reorders only the top N passages, each passage it read carries its score,
and an index is served only with the reader setting its answerability model was trained with."""

from __future__ import annotations

import pytest

from eval.runner import served_answerer
from index.embedder import Embedder
from index.store import IndexUnavailable, LoadedIndex
from rag.answer import Answerer
from rag.reader.rerank import reread
from rag.settings import PipelineSettings
from rag.types import Mode

pytestmark = pytest.mark.slow
QUESTION = "Is upadacitinib safe in pregnancy?"


def test_the_reader_reorders_its_top_n_and_leaves_the_rest(answerer: Answerer) -> None:
    assert answerer.reader is not None
    plain = answerer.ranker.rank(QUESTION, answerer.encode_queries([QUESTION])[0], Mode.HYBRID, frozenset())
    read = reread(answerer.reader, QUESTION, plain, answerer.index.chunks, 4)
    top = read.hits[:4]
    assert sorted(h.row for h in top) == sorted(h.row for h in plain[:4])
    assert [h.reader for h in top] == sorted((h.reader for h in top if h.reader is not None), reverse=True)
    assert read.hits[4:] == plain[4:] and all(h.reader is None for h in read.hits[4:])
    assert read.best == top[0].reader


def test_served_passages_carry_the_reader_score_in_its_order(answerer: Answerer) -> None:
    answer = answerer.ask(QUESTION, top_k=answerer.settings.reader_top_n + 2)
    read = [p.scores.reader for p in answer.passages[: answerer.settings.reader_top_n]]
    assert all(r is not None and 0 < r < 1 for r in read)
    assert read == sorted(read, reverse=True)  # type: ignore[type-var]
    assert all(p.scores.reader is None for p in answer.passages[answerer.settings.reader_top_n :])


def test_an_index_learnt_with_the_reader_is_not_served_without_it(
    sample_index: LoadedIndex, embedder: Embedder, settings: PipelineSettings
) -> None:
    with pytest.raises(IndexUnavailable, match="FOLLOWUP_READER=true"):
        served_answerer(sample_index, settings.replace(reader=False), embedder)


def test_without_the_reader_passages_keep_the_fused_order(
    sample_index: LoadedIndex, embedder: Embedder, settings: PipelineSettings
) -> None:
    plain = served_answerer(sample_index, settings.replace(reader=False, abstention=False), embedder)
    answer = plain.ask(QUESTION, top_k=5)
    assert all(p.scores.reader is None for p in answer.passages)
    assert [p.score for p in answer.passages] == sorted((p.score for p in answer.passages), reverse=True)
