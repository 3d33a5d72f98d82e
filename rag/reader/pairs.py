"""The reader's training pairs: (question, passage as served, label), from collections that were split in halves
by a hash of the question id (`eval.sweep.half`): only half A ever trains.

- real questions: MedQuAD dev and SciFact train questions of half A. The positive is the relevant document's
  passage that the served hybrid ranking puts first; the negatives are the best-ranked passages of other
  documents (hard negatives of the project's own retrieval) and a random passage;
- entity swaps: the question with its rarest known word replaced by a medical word the corpus lacks (the
  clinical vocabulary's `foreign` words, WordNet), against the passage that answered the original: the passage
  speaks of another drug or disease;
- pseudo-questions from passages, made as the answerability training makes them (rag/answerability_training.py),
  against their passage, and against the best passages of other articles when their own is left out;
- out of scope: everyday questions from templates and WordNet nouns (lexicons/out_of_scope.tsv), against the
  passages the served ranking finds for them, on an article's page or not.

Passages are `Chunk.embed_text`, as the server hands them to the reader."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.model import ReviewStatus
from rag.answer import Answerer
from rag.answerability_training import _COMMON_IDS, _pseudo_question, _swap_rarest, _vocabulary


@dataclass(frozen=True)
class Pair:
    question: str
    passage: str
    label: int
    kind: str
    question_id: str = ""  # the collection's id for a real question; "" for a generated one


def _text(answerer: Answerer, row: int) -> str:
    return answerer.index.chunks[int(row)].embed_text


def real_question_pairs(
    answerer: Answerer,
    questions: dict[str, str],
    qrels: dict[str, dict[str, int]],
    rng: random.Random,
    *,
    hard: int = 3,
    randoms: int = 1,
    swaps: int = 1,
    kind: str,
) -> Iterator[Pair]:
    """Each question with its best-ranked relevant passage, `hard` best-ranked other passages, `randoms` random
    ones and `swaps` entity-swapped questions against the positive passage."""
    index = answerer.index
    rows_of = index.chunks.rows_by_article()
    size = len(index.chunks)
    swapper = _Swapper(answerer, rng)
    ids = list(questions)
    vectors = answerer.encode_queries([questions[q] for q in ids])
    for qid, vector in zip(ids, vectors, strict=True):
        question, relevant = questions[qid], set(qrels[qid])
        hits = answerer.search(question, vector=vector).hits
        chunks = index.chunks
        positive = next((h.row for h in hits[:100] if chunks.article_id(h.row) in relevant), None)
        if positive is None:
            first = [rows_of[d][0] for d in sorted(relevant) if rows_of.get(d)]
            if not first:
                continue
            positive = first[0]
        yield Pair(question, _text(answerer, positive), 1, kind, qid)
        others = [h.row for h in hits[:20] if chunks.article_id(h.row) not in relevant]
        for row in rng.sample(others[:12], min(hard, len(others[:12]))):
            yield Pair(question, _text(answerer, row), 0, f"{kind} hard negative", qid)
        for _ in range(randoms):
            row = rng.randrange(size)
            if chunks.article_id(row) not in relevant:
                yield Pair(question, _text(answerer, row), 0, f"{kind} random negative", qid)
        for _ in range(swaps):
            swapped = swapper.swap(question)
            if swapped is not None:
                yield Pair(swapped, _text(answerer, positive), 0, f"{kind} entity swap", qid)


def pseudo_question_pairs(
    answerer: Answerer,
    count: int,
    rng: random.Random,
    *,
    negatives: int = 2,
    kind: str,
    exclude: frozenset[str] = frozenset(),
) -> Iterator[Pair]:
    """Pseudo-questions from `count` approved passages (none of the articles in `exclude`: the documents that
    answer held-out questions): each against its passage, against the best passages of other articles with its
    own left out, and swapped to a word the corpus lacks against its passage."""
    index = answerer.index
    tokenize, frequencies = index.bm25.tokenize, index.bm25.document_frequencies
    generator = np.random.default_rng(rng.randrange(2**32))
    model_path = Path(index.manifest.model.path)
    lay = (
        _vocabulary(model_path, _COMMON_IDS, lambda w: _known(answerer, w))
        if (model_path / "vocab.txt").is_file()
        else []
    )
    approved = {a.id for a in index.articles.values() if a.status is ReviewStatus.APPROVED} - exclude
    rows = [r for a, rs in sorted(index.chunks.rows_by_article().items()) if a in approved for r in rs]
    swapper = _Swapper(answerer, rng)
    for row in rng.choices(rows, k=count) if rows else []:
        chunk = index.chunks[row]
        question = _pseudo_question(chunk.text, tokenize, frequencies, generator, lay)
        if question is None:
            continue
        question = f"{question}?"
        yield Pair(question, chunk.embed_text, 1, kind)
        blocked = frozenset(answerer.servable.rows_of(chunk.article_id))
        hits = answerer.search(question, blocked=blocked).hits
        for hit in hits[:negatives]:
            yield Pair(question, _text(answerer, hit.row), 0, f"{kind} article left out")
        swapped = swapper.swap(question)
        if swapped is not None:
            yield Pair(swapped, chunk.embed_text, 0, f"{kind} entity swap")


def out_of_scope_pairs(
    answerer: Answerer, questions: Sequence[str], rng: random.Random, *, per_question: int = 2, kind: str
) -> Iterator[Pair]:
    """Each everyday question against the passages the served ranking finds for it, half of them asked on a
    random approved article's page (the passages a follow-up would be shown)."""
    approved = sorted(a.id for a in answerer.index.articles.values() if a.status is ReviewStatus.APPROVED)
    for question in questions:
        article = rng.choice(approved) if approved and rng.random() < 0.5 else None
        hits = answerer.search(question, article_id=article).hits
        for hit in hits[:per_question]:
            yield Pair(question, _text(answerer, hit.row), 0, kind)


def _known(answerer: Answerer, word: str) -> bool:
    terms = answerer.index.bm25.tokenize(word)
    return bool(terms) and all(f > 0 for f in answerer.index.bm25.document_frequencies(terms))


class _Swapper:
    """Replaces a question's rarest known word by a medical word the corpus lacks (a drug or disease it never
    names), as the answerability training's entity swaps do."""

    def __init__(self, answerer: Answerer, rng: random.Random) -> None:
        index = answerer.index
        self._tokenize, self._frequencies = index.bm25.tokenize, index.bm25.document_frequencies
        self._foreign = list(index.vocabulary.foreign) if index.vocabulary is not None else []
        self._rng = rng

    def swap(self, question: str) -> str | None:
        if not self._foreign:
            return None
        stand_in = self._rng.choice(self._foreign)
        return _swap_rarest(question, self._tokenize, self._frequencies, stand_in)
