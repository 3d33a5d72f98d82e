"""The probe set a canary asks of a new generation and of the one it serves (index/fleet/canary.py judges them).

Either an operator's gold JSONL (eval/gold format: question, article_id, history, relevant passages or articles)
or, by default, each servable article's title (an article is titled by its question) asked with that article
relevant: it needs no labels, so it works for any corpus, and a generation that lost or garbled articles misses
their titles.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.fleet.canary import ProbeFigures
from rag.answer import Answerer

HITS_AT = 3


class ProbeQuestion(BaseModel):
    """A gold question, of which a probe reads only these fields (the others, e.g. split, are ignored)."""

    model_config = ConfigDict(extra="ignore")

    question: str = Field(min_length=1)
    article_id: str | None = None
    history: list[str] = Field(default_factory=list)
    relevant: list[str] = Field(default_factory=list)  # chunk ids (article:chunk) or article ids
    answerable: bool = True


def read_probe(path: Path, limit: int) -> list[ProbeQuestion]:
    """The answerable questions with something relevant, of a gold JSONL file; `ValueError` naming a bad line."""
    questions: list[ProbeQuestion] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = ProbeQuestion.model_validate(json.loads(line))
        except (ValueError, ValidationError) as exc:
            raise ValueError(f"{path}:{number}: not a gold question ({exc.__class__.__name__})") from None
        if question.answerable and question.relevant:
            questions.append(question)
    return questions[:limit]


def title_probe(answerer: Answerer, limit: int) -> list[ProbeQuestion]:
    """Each servable article's title (its question) asked, that article relevant; the first `limit` by article id."""
    servable = sorted(a for a in answerer.index.articles if answerer.is_servable(a))
    return [ProbeQuestion(question=answerer.index.articles[a].question, relevant=[a]) for a in servable[:limit]]


def run_probe(answerer: Answerer, questions: Sequence[ProbeQuestion]) -> ProbeFigures:
    """Asks every question as the server would (after one untimed warm-up): errors, p95 latency and hit@3."""
    if questions:
        _ask(answerer, questions[0])
    latencies: list[float] = []
    hits = errors = 0
    first_error: str | None = None
    for question in questions:
        started = time.perf_counter()
        try:
            shown = _ask(answerer, question)
        except Exception as exc:  # any failure to answer is what a canary must catch
            errors += 1
            first_error = first_error or f"{question.question!r}: {exc.__class__.__name__}: {exc}"
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        relevant = set(question.relevant)
        hits += any(chunk in relevant or article in relevant for chunk, article in shown)
    return ProbeFigures(
        generation=answerer.index.version,
        questions=len(questions),
        errors=errors,
        p95_ms=float(np.percentile(latencies, 95)) if latencies else 0.0,
        hit_at_3=hits / len(questions) if questions else 0.0,
        first_error=first_error,
    )


def _ask(answerer: Answerer, question: ProbeQuestion) -> list[tuple[str, str]]:
    answer = answerer.ask(question.question, article_id=question.article_id, history=question.history, top_k=HITS_AT)
    return [(p.chunk_id, p.article_id) for p in answer.passages]
