"""The reader in the served pipeline: it reorders only the top N passages, by its ranks summed with the retrievers',
each passage it read carries its score, and an index is served only with the reader setting its answerability
model was trained with."""

from __future__ import annotations

import numpy as np
import pytest

from eval.runner import served_answerer
from index.embedder import Embedder
from index.store import IndexUnavailable, LoadedIndex
from rag.answer import Answerer
from rag.reader.rerank import fused_with_reader, reread
from rag.settings import PipelineSettings
from rag.types import Mode

QUESTION = "Is upadacitinib safe in pregnancy?"


def test_where_both_orders_agree_nothing_moves() -> None:
    assert fused_with_reader(np.array([0.9, 0.7, 0.5, 0.1], dtype=np.float32)) == [0, 1, 2, 3]


def test_the_reader_lifts_a_passage_but_not_past_one_both_rank_high() -> None:
    # The reader's first is the retrievers' fourth; the retrievers' first is the reader's second.
    order = fused_with_reader(np.array([0.8, 0.2, 0.1, 0.9, 0.3], dtype=np.float32))
    assert order[0] == 0 and order.index(3) < order.index(1)


def test_a_tie_keeps_the_fused_order() -> None:
    assert fused_with_reader(np.array([0.5, 0.5, 0.5], dtype=np.float32)) == [0, 1, 2]


@pytest.mark.slow
def test_the_reader_reorders_its_top_n_and_leaves_the_rest(answerer: Answerer) -> None:
    assert answerer.reader is not None
    plain = answerer.ranker.rank(QUESTION, answerer.encode_queries([QUESTION])[0], Mode.HYBRID, frozenset())
    read = reread(answerer.reader, QUESTION, plain, answerer.index.chunks, 4)
    top = read.hits[:4]
    scores = answerer.reader.scores(QUESTION, [answerer.index.chunks[h.row].embed_text for h in plain[:4]])
    assert [h.row for h in top] == [plain[i].row for i in fused_with_reader(scores)]
    assert all(h.reader is not None for h in top)
    assert read.hits[4:] == plain[4:] and all(h.reader is None for h in read.hits[4:])
    assert read.best == max(h.reader for h in top if h.reader is not None)


@pytest.mark.slow
def test_served_passages_carry_the_reader_score(answerer: Answerer) -> None:
    answer = answerer.ask(QUESTION, top_k=answerer.settings.reader_top_n + 2)
    read = [p.scores.reader for p in answer.passages[: answerer.settings.reader_top_n]]
    assert all(r is not None and 0 < r < 1 for r in read)
    assert all(p.scores.reader is None for p in answer.passages[answerer.settings.reader_top_n :])


@pytest.mark.slow
def test_an_index_learnt_with_the_reader_is_not_served_without_it(
    sample_index: LoadedIndex, embedder: Embedder, settings: PipelineSettings
) -> None:
    with pytest.raises(IndexUnavailable, match="FOLLOWUP_READER=true"):
        served_answerer(sample_index, settings.replace(reader=False), embedder)


@pytest.mark.slow
def test_without_the_reader_passages_keep_the_fused_order(
    sample_index: LoadedIndex, embedder: Embedder, settings: PipelineSettings
) -> None:
    plain = served_answerer(sample_index, settings.replace(reader=False, abstention=False), embedder)
    answer = plain.ask(QUESTION, top_k=5)
    assert all(p.scores.reader is None for p in answer.passages)
    assert [p.score for p in answer.passages] == sorted((p.score for p in answer.passages), reverse=True)
