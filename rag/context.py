"""Follow-up context: an elliptical question ("and in pregnancy?") borrows words from what the clinician is
reading and has asked before. The contextual query runs beside the plain one, never instead of it, so a
standalone question keeps the passages it finds on its own."""

from __future__ import annotations

from collections.abc import Sequence

from corpus.model import Article

HISTORY_TURNS = 2


def contextual_query(question: str, article: Article | None, history: Sequence[str]) -> str | None:
    """The question preceded by the article's question and the last turns; None when there is no context."""
    parts = [*([article.question] if article else []), *history[-HISTORY_TURNS:]]
    if not parts:
        return None
    return " ".join([*parts, question])
