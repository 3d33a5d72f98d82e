"""The question's medical words that no approved article mentions: what the passages cannot speak to.

A clinician who asks "what's the ixekizumab dose instead?" on an upadacitinib page gets either no passage or
passages about upadacitinib. Either way the page should say that no approved article names ixekizumab, rather
than leave the clinician to infer it. The words come from the clinical vocabulary's list of medical words and
drug names the corpus neither says nor reaches through an alternative (index/vocabulary.py, built from what BM25
reads: the articles approved at build time), so "Rinvoq" (said as upadacitinib) and lay words are never listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_][\w-]*")  # "Secukinumab's" is "Secukinumab"


@dataclass(frozen=True)
class ForeignWords:
    """Medical words and drug names the corpus lacks, as BM25 terms."""

    terms: frozenset[str]  # every term of every such name: the answerability feature `foreign_medical`
    words: frozenset[str]  # the names that are one term ("warfarin", "gout"): what a question is told

    @classmethod
    def of(cls, names: Iterable[str], tokenize: Callable[[str], list[str]]) -> ForeignWords:
        tokenized = [tokenize(name) for name in names]
        return cls(
            frozenset(term for terms in tokenized for term in terms),
            frozenset(terms[0] for terms in tokenized if len(terms) == 1),
        )

    def unmentioned(self, question: str, tokenize: Callable[[str], list[str]]) -> list[str]:
        """The question's words that are such names, as the question writes them, each once, in order."""
        found: dict[str, str] = {}
        for word in _WORD.findall(question):
            terms = tokenize(word)
            if len(terms) == 1 and terms[0] in self.words:
                found.setdefault(terms[0], word)
        return list(found.values())
