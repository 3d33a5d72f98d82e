"""The one place that decides whether an article may be served (passages, articles, related questions).

Every route that shows content asks here, so a later rule (a retraction, a status override) applies everywhere.
"""

from __future__ import annotations

from corpus.model import Article
from index.store import LoadedIndex


def servable_article(index: LoadedIndex, article_id: str) -> Article | None:
    """The article if it may be shown to a clinician now, else None."""
    article = index.articles.get(article_id)
    return article if article is not None and article.is_approved else None
