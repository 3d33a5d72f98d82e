"""The one place that decides whether an article may be served: its effective status must be approved.

Effective status = the admin override (`index.overrides`: SQLite or PostgreSQL) while it applies to the served
generation, else the status the corpus had when the generation was built. Every serving path (ask, articles,
related) asks `Servable.is_servable`; retrieval also uses `blocked_rows` to skip unservable chunks before ranking.
"""

from __future__ import annotations

from collections.abc import Iterable

from corpus.model import Article, ReviewStatus
from index.overrides import Override, OverrideStore, Snapshot
from index.store import LoadedIndex


def effective_status(article: Article, override: Override | None, generation: str) -> ReviewStatus:
    """The override wins for every generation older than the first one built to include it (names sort by time)."""
    if override is None or (override.included_in is not None and generation >= override.included_in):
        return article.status
    return override.status


class Servable:
    """Effective statuses of one loaded generation under the current overrides."""

    def __init__(self, index: LoadedIndex, overrides: OverrideStore | None = None) -> None:
        self.index = index
        self.overrides = overrides
        self._rows: dict[str, list[int]] = index.chunks.rows_by_article()  # from a column, no Chunk objects
        self._blocked: tuple[Snapshot | None, frozenset[int]] | None = None

    def _snapshot(self) -> Snapshot | None:
        return self.overrides.snapshot() if self.overrides is not None else None

    def status(self, article_id: str, snapshot: Snapshot | None = None) -> ReviewStatus | None:
        """The effective status, or None for an article the generation does not hold."""
        article = self.index.articles.get(article_id)
        if article is None:
            return None
        overrides = snapshot if snapshot is not None else self._snapshot()
        override = overrides.get(article_id) if overrides is not None else None
        return effective_status(article, override, self.index.version)

    def rows_of(self, article_id: str) -> list[int]:
        """The chunk rows of one article, in document order."""
        return self._rows.get(article_id, [])

    def is_servable(self, article_id: str) -> bool:
        return self.status(article_id) is ReviewStatus.APPROVED

    def any_servable(self, article_ids: Iterable[str]) -> bool:
        """Whether any of the articles may be served now (under one snapshot of the overrides)."""
        snapshot = self._snapshot()
        return any(self.status(article_id, snapshot) is ReviewStatus.APPROVED for article_id in article_ids)

    def blocked_rows(self) -> frozenset[int]:
        """Chunk rows of every article that may not be served now (recomputed only when the overrides change)."""
        snapshot = self._snapshot()
        cached = self._blocked
        if cached is not None and cached[0] is snapshot:
            return cached[1]
        blocked = frozenset(
            row
            for article_id, rows in self._rows.items()
            if self.status(article_id, snapshot) is not ReviewStatus.APPROVED
            for row in rows
        )
        self._blocked = (snapshot, blocked)  # one reference assignment: safe across request threads
        return blocked
