"""Prometheus metrics of one app, served at ``GET /metrics`` in the text exposition format.

Every app has a registry of its own (never the process-wide default), so several apps in one
process, as in the tests, keep separate counts. Request figures are recorded as requests
finish (:mod:`api.observe`); the index's, the in-flight limiter's and the reindexer's are read
off the app's state when ``/metrics`` is scraped, so they are always current.

| metric | type | what |
|---|---|---|
| ``rag_http_requests_total{method,route,status}`` | counter | requests answered |
| ``rag_http_request_duration_seconds{method,route,status}`` | histogram | their latency |
| ``rag_http_requests_in_flight`` | gauge | requests being answered |
| ``rag_http_requests_refused_total`` | counter | query requests refused (503) at the cap |
| ``rag_query_requests_in_flight`` | gauge | query requests counted against that cap |
| ``rag_index_passages``, ``rag_index_articles`` | gauge | size of the served build |
| ``rag_index_build_info{build,model,built_at}`` | gauge (1) | the served build |
| ``rag_index_build_duration_seconds`` | gauge | how long the served build took to build |
| ``rag_index_load_duration_seconds`` | gauge | how long it took to load and warm up |
| ``rag_index_swaps_total`` | counter | builds swapped in since the server started |
| ``rag_reindex_jobs_total{status}`` | counter | finished reindex jobs (succeeded, failed) |
| ``rag_reindex_running`` | gauge | 1 while a reindex runs |
| ``rag_reindex_last_duration_seconds`` | gauge | duration of the last finished reindex |
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from starlette.datastructures import State

from index.live import LiveIndex
from index.reindex import Reindexer

REQUEST_LABELS = ("method", "route", "status")
REINDEX_STATUSES = ("succeeded", "failed")


class Limiter(Protocol):
    """What the metrics read of the in-flight limiter (``app.state.in_flight``, api/limits.py)."""

    in_flight: int
    refused: int


class RequestMetrics:
    """Counts and times requests; one per app, in the app's own registry."""

    def __init__(self, registry: CollectorRegistry, buckets: Sequence[float]) -> None:
        self.requests = Counter(
            "rag_http_requests",
            "HTTP requests answered, by method, route template and status",
            REQUEST_LABELS,
            registry=registry,
        )
        self.latency = Histogram(
            "rag_http_request_duration_seconds",
            "HTTP request latency (seconds), by method, route template and status",
            REQUEST_LABELS,
            buckets=tuple(buckets),
            registry=registry,
        )
        self.in_flight = Gauge(
            "rag_http_requests_in_flight", "HTTP requests being answered", registry=registry
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class ServiceCollector(Collector):
    """The index, the limiter and the reindexer of an app, read at each scrape."""

    def __init__(self, state: State) -> None:
        self.state = state

    def collect(self) -> Iterable[Metric]:
        live: LiveIndex | None = getattr(self.state, "live_index", None)
        if live is not None:
            yield from self._index(live)
        limiter: Limiter | None = getattr(self.state, "in_flight", None)
        if limiter is not None:
            yield CounterMetricFamily(
                "rag_http_requests_refused",
                "query requests refused at the in-flight cap (503 overloaded)",
                value=limiter.refused,
            )
            yield _gauge(
                "rag_query_requests_in_flight",
                "query requests (/ask, /search) counted against the in-flight cap",
                limiter.in_flight,
            )
        reindexer: Reindexer | None = getattr(self.state, "reindexer", None)
        if reindexer is not None:
            yield from self._reindex(reindexer)

    @staticmethod
    def _index(live: LiveIndex) -> Iterable[Metric]:
        snapshot = live.snapshot  # one read: every figure is of the same build
        manifest = snapshot.manifest
        yield _gauge(
            "rag_index_passages", "passages (chunks) in the served build", manifest.counts["chunks"]
        )
        yield _gauge(
            "rag_index_articles", "articles in the served build", manifest.counts["articles"]
        )
        yield InfoMetricFamily(
            "rag_index_build",
            "the served build",
            value={
                "build": snapshot.build_id,
                "model": manifest.model,
                "built_at": manifest.built_at,
            },
        )
        build_s = manifest.timings_s.get("total")
        if build_s is not None:
            yield _gauge(
                "rag_index_build_duration_seconds",
                "seconds the served build took to build (its manifest's total)",
                build_s,
            )
        yield _gauge(
            "rag_index_load_duration_seconds",
            "seconds the served build took to load and warm up",
            snapshot.load_s,
        )
        yield CounterMetricFamily(
            "rag_index_swaps", "index builds swapped in since the server started", value=live.swaps
        )

    @staticmethod
    def _reindex(reindexer: Reindexer) -> Iterable[Metric]:
        jobs = CounterMetricFamily(
            "rag_reindex_jobs", "finished reindex jobs, by status", labels=["status"]
        )
        for status in REINDEX_STATUSES:
            jobs.add_metric([status], reindexer.finished[status])
        yield jobs
        yield _gauge(
            "rag_reindex_running", "1 while a reindex runs", int(reindexer.running() is not None)
        )
        if reindexer.last_duration_s is not None:
            yield _gauge(
                "rag_reindex_last_duration_seconds",
                "seconds the last finished reindex took",
                reindexer.last_duration_s,
            )


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The app's metrics in the Prometheus text format."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
