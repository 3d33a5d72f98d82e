"""A question's terms looked up in the generation's clinical vocabulary (index/vocabulary.py builds it): what else
the corpus calls them ("shingles" → "herpes zoster", "MTX" → "methotrexate", "axSpA" ↔ "axial spondyloarthritis")."""

from __future__ import annotations

from collections.abc import Iterator

from index.tokenize import Tokenizer
from index.vocabulary import SURFACE, Vocabulary


class VocabularyLookup:
    """Alternatives (texts the corpus says) for a question's terms, looked up two ways: a cased short form as typed
    ("AS", "Hb"), and any phrase of the question's BM25 terms ("herpe zoster", "mtx")."""

    def __init__(self, vocabulary: Vocabulary, tokenize: Tokenizer) -> None:
        self.vocabulary = vocabulary
        self._tokenize = tokenize
        self._longest = max((k.count(" ") + 1 for k in vocabulary.phrases), default=0)

    def alternatives(self, question: str) -> list[str]:
        """What else the corpus calls the question's terms, in question order, each once."""
        found: dict[str, None] = {}
        for _, alternatives in self._matches(question):
            found.update(dict.fromkeys(alternatives))
        return list(found)

    def linked_terms(self, question: str) -> dict[str, set[tuple[str, ...]]]:
        """The question's terms that an alternative stands for, each with the BM25 terms of its alternatives: "flu"
        → {("influenza",)} where the corpus says "influenza", "ANC" → {("neutrophil", "count")}."""
        linked: dict[str, set[tuple[str, ...]]] = {}
        for terms, alternatives in self._matches(question):
            said = {tuple(self._tokenize(alternative)) for alternative in alternatives} - {()}
            for term in terms:
                linked.setdefault(term, set()).update(said)
        return linked

    def _matches(self, question: str) -> Iterator[tuple[list[str], tuple[str, ...]]]:
        """Each phrase of the question that has alternatives: its terms and what the corpus says instead."""
        cased, phrases = self.vocabulary.cased, self.vocabulary.phrases
        for word in SURFACE.findall(question):
            if word in cased:
                yield self._tokenize(word), cased[word]
        terms = self._tokenize(question)
        for start in range(len(terms)):
            for end in range(min(len(terms), start + self._longest), start, -1):
                phrase = terms[start:end]
                if (found := phrases.get(" ".join(phrase))) is not None:
                    yield phrase, found
