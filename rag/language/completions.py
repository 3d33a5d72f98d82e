"""The corpus terms a shortened word begins: how clinicians shorten what the corpus spells out ("upa" →
"upadacitinib", "tofa" → "tofacitinib")."""

from __future__ import annotations

import bisect

from index.bm25 import Bm25Index


class Completions:
    """Over one BM25 index's terms, sorted on first use."""

    def __init__(self, index: Bm25Index, limit: int = 20) -> None:
        self._index = index
        self._limit = limit
        self._sorted: list[str] | None = None

    def __call__(self, term: str) -> list[str]:
        """The terms the corpus uses that the term (3+ characters) begins: at most `limit`, in alphabetical order."""
        if len(term) < 3:
            return []
        if self._sorted is None:
            self._sorted = sorted(self._index.terms())
        terms = self._sorted
        at = bisect.bisect_left(terms, term)
        found: list[str] = []
        while at < len(terms) and len(found) < self._limit and terms[at].startswith(term):
            found.append(terms[at])
            at += 1
        return found
