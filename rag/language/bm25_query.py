"""One question as BM25 terms: its own terms, the answer types it asks for, and what else the corpus calls them."""

from __future__ import annotations

from dataclasses import dataclass

from index.tokenize import Tokenizer
from rag.language.alternatives import VocabularyLookup
from rag.language.asked_types import counted_types


@dataclass(frozen=True)
class Bm25Query:
    """What `Bm25Index.search` scores: `terms` at their own weight (a term repeated counts as often as it appears),
    `alternatives` at `weight` times theirs."""

    terms: list[str]
    alternatives: list[str]
    weight: float


class Bm25Queries:
    """Makes a question's BM25 query.

    `answer_types`: whether the index holds answer types, so that a question asks for them (asked_types.py).
    `vocabulary`: what else the corpus calls a question's terms, scored at `weight` (0: not looked up), as a boosted
    synonym clause would be."""

    def __init__(
        self,
        tokenize: Tokenizer,
        answer_types: bool = False,
        vocabulary: VocabularyLookup | None = None,
        weight: float = 0.0,
    ) -> None:
        self._tokenize = tokenize
        self._answer_types = answer_types
        self.vocabulary = vocabulary
        self._weight = weight if vocabulary is not None else 0.0

    def alternatives(self, question: str) -> list[str]:
        """The texts the vocabulary offers for the question's terms; none when they would weigh nothing."""
        if self.vocabulary is None or self._weight == 0:
            return []
        return self.vocabulary.alternatives(question)

    def __call__(self, query: str, asking: str | None = None) -> Bm25Query:
        """`asking`: the words whose answer types count, when the query carries more than the clinician asked (a
        contextual query's article question names a time or a dose it does not ask for); None: the query's own."""
        terms = self._tokenize(query)
        if self._answer_types:
            terms += counted_types(query if asking is None else asking)
        extra: list[str] = []
        if self._weight > 0:  # each term once, less those the query has
            extra = list(dict.fromkeys(t for text in self.alternatives(query) for t in self._tokenize(text)))
            extra = [t for t in extra if t not in terms]
        return Bm25Query(terms, extra, self._weight)
