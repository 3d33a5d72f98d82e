"""Follow-up context: what the clinician is reading and has asked before.

The contextual query ranks beside the plain question's own ranking, never instead of it, so a question that stands
on its own keeps the passages it finds alone: an elliptical question ("and in pregnancy?") borrows words from the
open article's question and the earlier turns, so the open article's claims rise while better claims elsewhere
still rank. The open article's short answer restates that question, so the contextual query cannot judge it: the
plain question's rank of it stands in (`placed_as_plain`). The two rankings are merged by reciprocal rank over their
whole length, so the merge never depends on how many passages are shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus.model import Article
from rag.fusion import reciprocal_rank_fusion
from rag.types import FusedHit, Hit

HISTORY_TURNS = 2


def context_parts(article: Article | None, history: Sequence[str]) -> list[str]:
    """What precedes the question in its contextual form: the article's question, then the last turns."""
    opening = [article.question] if article is not None else []
    return [*opening, *history[-HISTORY_TURNS:]]


def contextual_query(question: str, parts: Sequence[str]) -> str | None:
    """The question preceded by its context parts (`context_parts`); None when there is no context."""
    if not parts:
        return None
    return " ".join([*parts, question])


def placed_as_plain(contextual: list[FusedHit], plain: list[FusedHit], rows: frozenset[int]) -> list[FusedHit]:
    """The contextual ranking (ranked without `rows`) with `rows` where the plain ranking has them.

    For the open article's short answer: it restates the article's question, which the contextual query begins with,
    so the contextual query matches it whatever the follow-up asks (the hub passage: eval/HISTORY.md, tenth pass).
    The plain question's rank stands in for it, so the answer rises on a follow-up it answers and not on every other
    one.
    """
    placed = [hit for hit in contextual if hit.row not in rows]
    for at, hit in enumerate(plain):
        if hit.row in rows:
            placed.insert(at, hit)
    return placed


def merge(first: list[FusedHit], second: list[FusedHit], rrf_k: int) -> list[FusedHit]:
    """Two rankings fused by reciprocal rank; each row keeps the scores of its best appearance."""
    best: dict[int, FusedHit] = {}
    for hit in [*first, *second]:
        best.setdefault(hit.row, hit)
    merged = reciprocal_rank_fusion(
        [Hit(h.row, h.fused) for h in first],
        [Hit(h.row, h.fused) for h in second],
        k=rrf_k,
    )
    return [
        FusedHit(m.row, m.fused, kept.bm25, kept.bm25_rank, kept.dense, kept.dense_rank)
        for m in merged
        for kept in (best[m.row],)
    ]
