"""The canary's probe set: gold questions an operator names, or each servable article's title."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embedder import Embedder
from index.store import load_index
from rag.answer import Answerer
from rag.probe import ProbeQuestion, read_probe, run_probe, title_probe
from rag.settings import RelatedSettings, RetrievalSettings
from tests.conftest import GOLD
from tests.fleet import ARTICLES, Generations


def test_a_gold_file_gives_its_answerable_questions_with_something_relevant(tmp_path: Path) -> None:
    questions = read_probe(GOLD, limit=1000)
    assert questions and all(q.answerable and q.relevant for q in questions)
    assert len(read_probe(GOLD, limit=3)) == 3
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q?", "relevant": ["a"]}\n{"relevant": ["a"]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: not a gold question"):
        read_probe(bad, limit=10)


def test_titles_find_their_articles_and_a_failing_question_is_counted(
    fleet_generations: Generations, embedder: Embedder
) -> None:
    index = load_index(fleet_generations.folder)
    answerer = Answerer(index, embedder, RetrievalSettings(abstention=False), RelatedSettings())
    titles = title_probe(answerer, limit=10)
    assert [q.relevant for q in titles] == [[article] for article in sorted(ARTICLES)]
    figures = run_probe(answerer, titles)
    assert figures.generation == fleet_generations.old and figures.questions == 3 and figures.errors == 0
    assert figures.hit_at_3 == 1.0 and figures.p95_ms > 0
    unknown = ProbeQuestion(question="q?", article_id="no-such-article", relevant=["x"])
    failing = run_probe(answerer, [*titles, unknown])
    assert failing.errors == 1 and failing.first_error is not None and "UnknownArticle" in failing.first_error
    assert failing.hit_at_3 == 3 / 4
