"""Prometheus metrics of one app: requests by route template and status, latency, and the index being served.

Each app owns its `CollectorRegistry` (not the process-global one), so several apps in one process (tests) do not
clash. The index figures are read at scrape time, so they follow a reload without anyone updating them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, InfoMetricFamily, Metric

from rag.answer import Answerer

# Anything else a client sends is one label value, so a scanner cannot grow the series count.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"
# Seconds; a cached BM25 answer takes milliseconds, an embedding on a busy 2-core box up to seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class IndexFacts:
    generation: str
    servable_articles: int  # effectively approved now (overrides included): what the API may serve
    articles: int  # every article of the generation, whatever its status
    chunks: int
    # Declining what no approved article answers: off when the setting is, or when the generation has no answerability
    # model (its corpus gave too few examples to train one; a model of older features is refused at load).
    abstaining: bool


def index_facts(answerer: Answerer) -> IndexFacts:
    """The served generation's figures as of now (a status override changes the servable count at once)."""
    index = answerer.index
    servable = sum(1 for article_id in index.articles if answerer.is_servable(article_id))
    abstaining = answerer.answerability_model is not None
    return IndexFacts(index.version, servable, len(index.articles), len(index.chunks), abstaining)


class _IndexCollector:
    """Reports the generation and counts of whatever index the app serves at the moment of the scrape."""

    def __init__(self, facts: Callable[[], IndexFacts | None]) -> None:
        self._facts = facts

    def collect(self) -> Iterable[Metric]:
        facts = self._facts()
        if facts is None:  # still starting up
            return []
        info = InfoMetricFamily("followup_index", "The index generation being served.")
        info.add_metric([], {"generation": facts.generation})
        chunks = GaugeMetricFamily("followup_index_chunks", "Chunks in the served index generation.")
        chunks.add_metric([], facts.chunks)
        servable = GaugeMetricFamily(
            "followup_index_articles", "Servable (effectively approved) articles of the served index generation."
        )
        servable.add_metric([], facts.servable_articles)
        indexed = GaugeMetricFamily(
            "followup_index_articles_indexed", "Articles of any review status in the served index generation."
        )
        indexed.add_metric([], facts.articles)
        abstaining = GaugeMetricFamily(
            "followup_abstaining",
            "1 while questions no approved article answers are declined; 0 when abstention is off or the served "
            "generation has no answerability model for this version (rebuild the index).",
        )
        abstaining.add_metric([], int(facts.abstaining))
        return [info, chunks, servable, indexed, abstaining]


class Metrics:
    def __init__(self, index_facts: Callable[[], IndexFacts | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "followup_http_requests",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "followup_http_request_duration_seconds",
            "Time from receiving a request to sending its response, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_IndexCollector(index_facts))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in KNOWN_METHODS else "OTHER"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"description": "Prometheus text format.", "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
)
def metrics(request: Request) -> Response:
    """Request counts, latency histograms, and the generation and size of the served index (Prometheus format)."""
    registry: Metrics = request.app.state.metrics
    return Response(content=registry.exposition(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
