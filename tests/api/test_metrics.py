"""/metrics and the per-request log line, through a real server."""

import logging
import re

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from index.live import LiveIndex
from rag.config import Settings


def _samples(base: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(f"{base}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_an_answer_is_counted_and_timed_and_the_index_is_described(
    server: str, live_index: LiveIndex
) -> None:
    ask = {"method": "POST", "route": "/ask", "status": "200"}
    before = _samples(server)
    response = httpx.post(f"{server}/ask", json={"question": "what is NSTRI?"}, timeout=30)
    assert response.status_code == 200
    after = _samples(server)

    assert (
        _value(after, "rag_http_requests_total", **ask)
        == _value(before, "rag_http_requests_total", **ask) + 1
    )
    assert (
        _value(after, "rag_http_request_duration_seconds_count", **ask)
        == _value(before, "rag_http_request_duration_seconds_count", **ask) + 1
    )
    assert _value(after, "rag_http_request_duration_seconds_bucket", **ask, le="+Inf") >= 1
    assert _value(after, "rag_http_requests_in_flight") >= 1  # the scrape itself

    snapshot = live_index.snapshot
    assert _value(after, "rag_index_passages") == len(snapshot.engine.corpus.chunks)
    assert _value(after, "rag_index_articles") == snapshot.manifest.counts["articles"]
    build = httpx.get(f"{server}/health", timeout=10).json()["build"]
    info = [labels for name, labels in after if name == "rag_index_build_info"]
    assert len(info) == 1 and ("build", build) in info[0]
    assert ("rag_index_swaps_total", frozenset()) in after
    assert ("rag_index_load_duration_seconds", frozenset()) in after
    assert ("rag_index_build_duration_seconds", frozenset()) in after
    # The in-flight limiter's refusals (api/limits.py), none so far.
    assert ("rag_http_requests_refused_total", frozenset()) in after


def test_routes_are_labelled_by_template_and_every_request_is_logged_once(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.access")
    response = httpx.get(
        f"{server}/articles/no-such-article", headers={"X-Request-ID": "req-42"}, timeout=10
    )
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "req-42"
    # A header that would forge fields of the log line is replaced by an id of our own.
    forged = "x status=200 route=/ask"
    made_up = httpx.get(f"{server}/nowhere", headers={"X-Request-ID": forged}, timeout=10)
    assert made_up.status_code == 404
    other = made_up.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", other)

    samples = _samples(server)
    article = {"method": "GET", "route": "/articles/{article_id}", "status": "404"}
    assert _value(samples, "rag_http_requests_total", **article) >= 1
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert _value(samples, "rag_http_requests_total", **unmatched) >= 1
    assert not any("no-such-article" in dict(labels).get("route", "") for _, labels in samples)

    lines = [r.getMessage() for r in caplog.records if r.name == "api.access"]
    mine = [line for line in lines if "request_id=req-42" in line]
    assert len(mine) == 1, lines
    expected = r"method=GET route=/articles/\{article_id\} status=404 duration_ms=[0-9.]+ "
    assert re.fullmatch(expected + "request_id=req-42", mine[0])
    assert len([line for line in lines if f"request_id={other}" in line]) == 1


def test_each_app_has_a_registry_of_its_own(settings: Settings, live_index: LiveIndex) -> None:
    # Two apps in one process: with the process-wide registry the second would fail to register.
    first, second = create_app(settings, live=live_index), create_app(settings, live=live_index)
    assert first.state.metrics_registry is not second.state.metrics_registry
