"""Lexical retrieval with bm25s (sparse matrices; orders of magnitude faster per query than rank_bm25)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
from numpy.typing import NDArray

from index.answer_types import held_types
from index.tokenize import DEFAULT_STOPWORDS, StopwordSet, Tokenizer

logging.getLogger("bm25s").setLevel(logging.WARNING)


class Bm25Index:
    """Scores chunk rows; `method="robertson"` ranks exactly as `rank_bm25.BM25Okapi(epsilon=0)`.

    With `answer_types`, passages are indexed with the kinds of answer they hold (index/answer_types.py), so a
    query may carry the kinds it asks for as terms ("@dose"); what a question asks is read in rag/language/."""

    def __init__(self, model: bm25s.BM25, size: int, tokenizer: Tokenizer, answer_types: bool = False) -> None:
        self._model = model
        self.size = size
        self.tokenize = tokenizer
        self.answer_types = answer_types
        self._vocab: dict[str, int] = model.vocab_dict

    @classmethod
    def build(
        cls,
        texts: list[str],
        method: str = "robertson",
        k1: float = 1.5,
        b: float = 0.75,
        stopwords: StopwordSet = DEFAULT_STOPWORDS,
        stem: bool = True,
        answer_types: bool = False,
        claims: Sequence[str] | None = None,
        normalize: bool = True,
    ) -> Bm25Index:
        """`claims`: each row's own text, without the header `texts` may carry; answer types are read from it, so a
        quantity in an article's question does not type all of its claims (None: from `texts`)."""
        tokenizer = Tokenizer(stopwords, stem, normalize)
        model = bm25s.BM25(method=method, k1=k1, b=b)
        typed = [held_types(t) for t in (texts if claims is None else claims)] if answer_types else [[]] * len(texts)
        model.index([tokenizer(t) + types for t, types in zip(texts, typed, strict=True)], show_progress=False)
        return cls(model, len(texts), tokenizer, answer_types)

    def save(self, directory: Path) -> None:
        self._model.save(str(directory), show_progress=False)

    @classmethod
    def load(
        cls,
        directory: Path,
        size: int,
        stopwords: StopwordSet,
        stem: bool,
        mmap: bool = True,
        answer_types: bool = False,
        normalize: bool = True,
    ) -> Bm25Index:
        model = bm25s.BM25.load(str(directory), mmap=mmap, show_progress=False)
        # Plain views of the mapped files: still mapped (shared page cache, loaded lazily), but a slice of a
        # np.memmap is another memmap whose __array_finalize__ runs Python on every posting-list slice a query
        # takes, ~10% of a served question's CPU (benchmarks/HISTORY.md, issue 30).
        model.scores = {
            name: array.view(np.ndarray) if isinstance(array, np.memmap) else array
            for name, array in model.scores.items()
        }
        return cls(model, size, Tokenizer(stopwords, stem, normalize), answer_types)

    def search(
        self, terms: Sequence[str], k: int, alternatives: Sequence[str] = (), weight: float = 0.0
    ) -> list[tuple[int, float]]:
        """(row, score) best first for a query already in BM25 terms (a term given twice counts twice); terms the
        corpus never uses are dropped, and zero scores are no match.

        `alternatives`: terms that score at `weight` times their own BM25 score, as a boosted synonym clause would
        (other words for what the query says: rag/language/bm25_query.py)."""
        tokens = self._known(terms)
        extra = self._known(alternatives) if weight > 0 else []
        if not (tokens or extra) or self.size == 0:
            return []
        if extra:
            return _best(self._scores_of(tokens) + weight * self._scores_of(extra), min(k, self.size))
        # n_threads=0: in this thread; any other value starts (and joins) a thread pool on every call.
        rows, scores = self._model.retrieve([tokens], k=min(k, self.size), show_progress=False, n_threads=0)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]

    def scores(self, terms: Sequence[str], alternatives: Sequence[str] = (), weight: float = 0.0) -> np.ndarray:
        """Scores for every row (the related-questions index ranks every article); the rest as in `search`."""
        tokens = self._known(terms)
        extra = self._known(alternatives) if weight > 0 else []
        return self._scores_of(tokens) + weight * self._scores_of(extra) if extra else self._scores_of(tokens)

    def terms(self) -> list[str]:
        """Every term the index holds (the corpus's, and the answer types its passages hold)."""
        return list(self._vocab)

    def _known(self, terms: Sequence[str]) -> list[str]:
        return [t for t in terms if t in self._vocab]

    def _scores_of(self, tokens: list[str]) -> np.ndarray:
        if not tokens:
            return np.zeros(self.size, dtype=np.float64)
        return np.asarray(self._model.get_scores(tokens), dtype=np.float64)

    def held_by(self, terms: list[str], rows: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether any of `rows` (BM25 rows, ascending) holds each (already tokenised) term: a binary search of each
        term's posting list, so an article's coverage costs no tokenising of its text."""
        indptr, indices = self._model.scores["indptr"], self._model.scores["indices"]
        held = np.zeros(len(terms), dtype=bool)
        for i, term in enumerate(terms):
            term_id = self._vocab.get(term)
            if term_id is None or not len(rows):
                continue
            posting = indices[indptr[term_id] : indptr[term_id + 1]]  # ascending, as bm25s builds them
            at = np.minimum(np.searchsorted(posting, rows), len(posting) - 1)
            held[i] = bool(len(posting)) and bool(np.any(posting[at] == rows))
        return held

    def document_frequencies(self, terms: list[str]) -> list[int]:
        """Rows holding each (already tokenised) term; 0 for a term the corpus never uses."""
        indptr = self._model.scores["indptr"]
        ids = [self._vocab.get(term) for term in terms]
        return [0 if i is None else int(indptr[i + 1] - indptr[i]) for i in ids]


def _best(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best rows with a positive score, best first (ties by row)."""
    rows = np.flatnonzero(scores > 0)
    if len(rows) > k:
        rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
    rows = rows[np.lexsort((rows, -scores[rows]))]
    return [(int(r), float(scores[r])) for r in rows]
