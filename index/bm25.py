"""Lexical retrieval with bm25s (sparse matrices; orders of magnitude faster per query than rank_bm25)."""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
from numpy.typing import NDArray

from index.answer_types import COUNTS as TYPE_COUNTS
from index.answer_types import asked_types, held_types
from index.tokenize import DEFAULT_STOPWORDS, StopwordSet, Tokenizer

logging.getLogger("bm25s").setLevel(logging.WARNING)


class Bm25Index:
    """Scores chunk rows; `method="robertson"` ranks exactly as `rank_bm25.BM25Okapi(epsilon=0)`.

    With `answer_types`, passages are indexed with the kinds of answer they hold and queries ask for the kinds
    their words name (index/answer_types.py)."""

    def __init__(self, model: bm25s.BM25, size: int, tokenizer: Tokenizer, answer_types: bool = False) -> None:
        self._model = model
        self.size = size
        self.tokenize = tokenizer
        self.answer_types = answer_types
        self._vocab: dict[str, int] = model.vocab_dict
        self._sorted_vocab: list[str] | None = None  # built on first use (abbreviations)

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
        return cls(model, size, Tokenizer(stopwords, stem, normalize), answer_types)

    def search(
        self,
        query: str,
        k: int,
        also: Sequence[str] = (),
        weight: float = 0.0,
        asking: str | None = None,
    ) -> list[tuple[int, float]]:
        """(row, score) best first; terms the corpus never uses are dropped, and zero scores are no match.

        `also`: other words for what the query says (index/vocabulary.py); their terms that the query lacks score at
        `weight` times their own BM25 score, as a boosted synonym clause would.
        `asking`: the words whose answer types count, when the query carries more than the clinician asked (a
        contextual query's article question names a time or a dose it does not ask for); None: the query's own.
        Each answer type asked for counts as often as `COUNTS` of index/answer_types.py says (a definition or a
        genetic cause five times)."""
        tokens = self._query_terms(query, asking)
        extra = self._extra_terms(tokens, also) if weight > 0 else []
        if not (tokens or extra) or self.size == 0:
            return []
        if extra:
            return _best(self._scores_of(tokens) + weight * self._scores_of(extra), min(k, self.size))
        # n_threads=0: in this thread; any other value starts (and joins) a thread pool on every call.
        rows, scores = self._model.retrieve([tokens], k=min(k, self.size), show_progress=False, n_threads=0)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]

    def scores(self, query: str, also: Sequence[str] = (), weight: float = 0.0) -> np.ndarray:
        """Scores for every row (the related-questions index ranks every article); the rest as in `search`."""
        tokens = self._query_terms(query)
        extra = self._extra_terms(tokens, also) if weight > 0 else []
        return self._scores_of(tokens) + weight * self._scores_of(extra) if extra else self._scores_of(tokens)

    def _known(self, text: str) -> list[str]:
        return [t for t in self.tokenize(text) if t in self._vocab]

    def _query_terms(self, query: str, asking: str | None = None) -> list[str]:
        asked = asked_types(query if asking is None else asking) if self.answer_types else []
        counted = [t for t in asked if t in self._vocab for _ in range(TYPE_COUNTS.get(t, 1))]
        return self._known(query) + counted

    def _extra_terms(self, tokens: list[str], also: Sequence[str]) -> list[str]:
        """The known terms of the alternatives, each once, less those the query has."""
        return list(dict.fromkeys(t for text in also for t in self._known(text) if t not in tokens))

    def _scores_of(self, tokens: list[str]) -> np.ndarray:
        if not tokens:
            return np.zeros(self.size, dtype=np.float64)
        return np.asarray(self._model.get_scores(tokens), dtype=np.float64)

    def completions(self, term: str, limit: int = 20) -> list[str]:
        """The terms the corpus uses that the term (3+ characters) begins: "upa" → "upadacitinib", "tofa" → ...;
        how clinicians shorten what the corpus spells out. At most `limit`, in alphabetical order."""
        if len(term) < 3:
            return []
        if self._sorted_vocab is None:
            self._sorted_vocab = sorted(self._vocab)
        at = bisect.bisect_left(self._sorted_vocab, term)
        found: list[str] = []
        while at < len(self._sorted_vocab) and len(found) < limit and self._sorted_vocab[at].startswith(term):
            found.append(self._sorted_vocab[at])
            at += 1
        return found

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
