"""What the server is serving: one `Answerer` over one loaded generation, swapped by reference on reload.

A request takes the current answerer once, at its start, and uses only that object, so a reload never waits for
requests and in-flight requests finish on the generation they started with; no lock is held across a query.
"""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from api.settings import AppSettings
from index.embedder import Embedder
from index.onnx_encoder import QueryEncoder
from index.overrides import OverrideStore
from index.store import (
    IndexUnavailable,
    LoadedIndex,
    current_generation,
    load_generation,
    load_index,
    load_newest_verified,
)
from rag.answer import Answerer

log = logging.getLogger("followup.state")


@dataclass(frozen=True)
class Reloaded:
    generation: str
    previous: str | None


class ServerState:
    def __init__(
        self,
        settings: AppSettings,
        embedder: Embedder,
        overrides: OverrideStore,
        query_encoder: QueryEncoder | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.overrides = overrides
        self.query_encoder = query_encoder
        self.answerer: Answerer | None = None
        self.not_ready_reason = "no index loaded yet"
        self._reloading = threading.Lock()  # one reload at a time; readers never take it

    def start(self) -> None:
        """Loads the newest complete, verified generation; without one the server runs but is not ready."""
        with self._reloading:
            try:
                self._install(load_newest_verified(self.settings.index.index_dir))
            except IndexUnavailable as exc:
                self.not_ready_reason = str(exc)
                log.warning("not ready: %s", exc)

    def reload(self) -> Reloaded:
        """Loads the generation `CURRENT` names; on any fault the served one stays and `IndexUnavailable` says why."""
        with self._reloading:
            previous = self.answerer.index.version if self.answerer is not None else None
            self._install(load_index(self.settings.index.index_dir))
            assert self.answerer is not None
            log.info("reloaded: serving %s (was %s)", self.answerer.index.version, previous)
            return Reloaded(self.answerer.index.version, previous)

    def follow(self) -> Reloaded | None:
        """Reloads unless the generation `CURRENT` names is already served (None then): a worker's SIGHUP under
        `followup serve --workers N`, which also reaches the worker whose admin reload asked for it."""
        with self._reloading:  # after a start or reload under way: it may serve what CURRENT names by now
            try:
                current = current_generation(self.settings.index.index_dir).name
            except IndexUnavailable:
                current = None  # `reload` says why
            if self.answerer is not None and self.answerer.index.version == current:
                return None
        return self.reload()

    def candidate(self, directory: Path) -> Answerer:
        """An answerer over the generation in `directory`, verified and loaded but not served (a canary probes it
        before `serve`); `IndexUnavailable` says why it cannot be."""
        return self._answerer(load_generation(directory))

    def serve(self, answerer: Answerer) -> Reloaded:
        """Serves an answerer `candidate` made, by the same reference swap as a reload (index/fleet switches so)."""
        with self._reloading:
            previous = self.answerer.index.version if self.answerer is not None else None
            self._swap(answerer)
            return Reloaded(answerer.index.version, previous)

    def _install(self, index: LoadedIndex) -> None:
        self._swap(self._answerer(index))

    def _answerer(self, index: LoadedIndex) -> Answerer:
        settings = self.settings
        answerer = Answerer(
            index, self.embedder, settings.retrieval, settings.related, self.overrides, self.query_encoder
        )
        if settings.index.vocabulary and index.vocabulary is None:
            log.warning("generation %s has no clinical vocabulary: rebuild the index to use it", index.version)
        return answerer

    def _swap(self, answerer: Answerer) -> None:
        index = answerer.index
        statuses = {article.id: article.status for article in index.articles.values()}
        included = self.overrides.mark_included(index.version, index.manifest.created_at, statuses)
        if included:
            log.info(
                "%s includes %d overridden statuses; the corpus decides for them again", index.version, len(included)
            )
        self.answerer = answerer  # the swap: one reference assignment
        _freeze_loaded_objects()
        log.info("serving index %s (%d chunks)", index.version, len(index.chunks))


def _freeze_loaded_objects() -> None:
    """Keeps the loaded index's Python objects (articles, vocabularies, caches) out of the cyclic garbage collector.

    Its full collections walk every live object: at 100k chunks one took ~300 ms every few seconds of traffic, the
    p99 of a single client (benchmarks/HISTORY.md, issue 14, "Quiet-machine figures"). The previous generation is
    unfrozen first, so once no request holds it any more it is collected as usual."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
