"""Follow-up context: what the clinician is reading and has asked before.

Two signals, each beside the plain question's own ranking, never instead of it, so a question that stands on its
own keeps the passages it finds alone:
- the contextual query: an elliptical question ("and in pregnancy?") borrows words from the open article's
  question and the earlier turns, so the open article's claims rise while better claims elsewhere still rank;
- optionally (`article_weight` > 0), the open article's own chunks ranked for the plain question, fused with the
  global ranking. Off by default: measured on the gold tune half, any weight filled the top 3 with the open
  article's chunks even where another article answers (eval/RESULTS.md).
Rankings are merged by weighted reciprocal rank over their whole length, so the merge never depends on how many
passages are shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus.model import Article
from rag.fusion import reciprocal_rank_fusion
from rag.types import FusedHit, Hit

HISTORY_TURNS = 2


def contextual_query(
    question: str, article: Article | None, history: Sequence[str], with_article_question: bool = True
) -> str | None:
    """The question preceded by the last turns (and the article's question); None when there is no context."""
    opening = [article.question] if article is not None and with_article_question else []
    parts = [*opening, *history[-HISTORY_TURNS:]]
    if not parts:
        return None
    return " ".join([*parts, question])


def merge(first: list[FusedHit], second: list[FusedHit], rrf_k: int, second_weight: float = 0.5) -> list[FusedHit]:
    """Two rankings fused by (weighted) reciprocal rank; each row keeps the scores of its best appearance."""
    best: dict[int, FusedHit] = {}
    for hit in [*first, *second]:
        best.setdefault(hit.row, hit)
    merged = reciprocal_rank_fusion(
        [Hit(h.row, h.fused) for h in first],
        [Hit(h.row, h.fused) for h in second],
        k=rrf_k,
        bm25_weight=1 - second_weight,
    )
    return [FusedHit(**{**vars(best[m.row]), "fused": m.fused}) for m in merged]
