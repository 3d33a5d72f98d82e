"""What a user would otherwise assemble from tutorials, run on the same chunks and queries as Followup.

- `rank_bm25.BM25Okapi`, the BM25 most tutorials use, fed the very same tokens as our index (so the two rank
  alike and only the speed differs);
- the tutorial hybrid stack: rank_bm25 over `text.lower().split()`, a faiss `IndexFlatIP` of the same embeddings,
  reciprocal rank fusion (Cormack et al. 2009, k = 60) in a Python loop.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import faiss
import numpy as np
from numpy.typing import NDArray
from rank_bm25 import BM25Okapi

from index.bm25 import Bm25Index
from index.embedder import Embedder
from index.tokenize import Tokenizer


def compare_bm25(
    texts: Sequence[str], ours: Bm25Index, tokenizer: Tokenizer, queries: Sequence[str], k: int = 10
) -> dict[str, object]:
    """Per-query time of each on identical tokens, their ratio, and how often the top-k sets agree."""
    started = time.perf_counter()
    theirs = BM25Okapi([tokenizer(t) for t in texts], k1=1.5, b=0.75, epsilon=0.0)
    build_seconds = time.perf_counter() - started
    ratios, ours_ms, theirs_ms, overlap = [], [], [], []
    for query in queries:
        started = time.perf_counter()
        scores = theirs.get_scores(tokenizer(query))
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        top = top[scores[top] > 0]
        theirs_s = time.perf_counter() - started
        started = time.perf_counter()
        mine = ours.search(tokenizer(query), k)
        ours_s = time.perf_counter() - started
        ratios.append(theirs_s / ours_s)
        ours_ms.append(ours_s * 1000)
        theirs_ms.append(theirs_s * 1000)
        if len(top):
            overlap.append(len({int(r) for r in top} & {r for r, _ in mine}) / len(top))
    return {
        "queries": len(queries),
        "rank_bm25_build_s": round(build_seconds, 2),
        "rank_bm25_ms_p50": float(np.median(theirs_ms)),
        "ours_ms_p50": float(np.median(ours_ms)),
        "ratio_p50": float(np.median(ratios)),
        "ratio_min": float(np.min(ratios)),
        "ratio_geomean": float(np.exp(np.mean(np.log(ratios)))),
        "top10_agreement": float(np.mean(overlap)) if overlap else float("nan"),
    }


class TutorialStack:
    """rank_bm25 + faiss IndexFlatIP + RRF in Python, as the usual retrieval tutorials write it."""

    def __init__(self, texts: Sequence[str], vectors: NDArray[np.float32], embedder: Embedder) -> None:
        self.bm25 = BM25Okapi([t.lower().split() for t in texts])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.embedder = embedder

    def search(self, query: str, k: int = 10, candidates: int = 100) -> list[tuple[int, float]]:
        return self.search_vector(query, self.embedder.encode([query])[0], k, candidates)

    def search_vector(
        self, query: str, vector: NDArray[np.float32], k: int = 10, candidates: int = 100
    ) -> list[tuple[int, float]]:
        scores = self.bm25.get_scores(query.lower().split())
        lexical = np.argsort(scores)[::-1][:candidates]
        _, dense = self.index.search(vector.reshape(1, -1), candidates)
        fused: dict[int, float] = {}
        for rank, row in enumerate(lexical):
            fused[int(row)] = fused.get(int(row), 0.0) + 1 / (60 + rank + 1)
        for rank, row in enumerate(dense[0]):
            if row >= 0:
                fused[int(row)] = fused.get(int(row), 0.0) + 1 / (60 + rank + 1)
        return sorted(fused.items(), key=lambda item: -item[1])[:k]
