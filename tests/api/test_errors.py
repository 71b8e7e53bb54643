"""Every 4xx and 5xx in one shape, ``{"error": ..., "detail": ...}``, the framework's own too."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import pytest

from rag.config import Settings
from rag.engine import SearchEngine

JSON = {"content-type": "application/json"}


def error_of(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    payload = response.json()
    assert set(payload) == {"error", "detail"} and payload["detail"]
    return payload


def test_unknown_route_and_wrong_method(server: str) -> None:
    assert error_of(httpx.get(f"{server}/no/such/route", timeout=10), 404)["error"] == "not_found"
    wrong = httpx.get(f"{server}/ask", timeout=10)
    assert error_of(wrong, 405)["error"] == "method_not_allowed"
    assert wrong.headers["allow"] == "POST"


def test_undecodable_and_invalid_json_bodies(server: str) -> None:
    invalid_utf8 = httpx.post(
        f"{server}/ask", content=b'{"question": "\xff\xfe NSTRI"}', headers=JSON, timeout=10
    )
    assert error_of(invalid_utf8, 400)["error"] == "bad_request"
    broken = httpx.post(f"{server}/ask", content=b'{"question": ', headers=JSON, timeout=10)
    assert error_of(broken, 422)["error"] == "invalid_input"


def test_deeply_nested_json_is_refused_early(server: str, settings: Settings) -> None:
    for levels, status in ((100_000, 413), (5_000, 422)):
        body = b'{"question": "x", "filters": ' + b"[" * levels + b"]" * levels + b"}"
        started = time.monotonic()
        response = httpx.post(f"{server}/ask", content=body, headers=JSON, timeout=10)
        assert time.monotonic() - started < 2
        payload = error_of(response, status)
        if status == 422:
            assert (
                payload["detail"]
                == f"JSON nested deeper than {settings.service.max_json_depth} levels"
            )
    # Brackets inside strings do not count.
    question = {"question": "[" * 100 + " what is NSTRI?"}
    assert httpx.post(f"{server}/ask", json=question, timeout=30).status_code == 200


def test_a_boolean_is_not_a_top_k(server: str) -> None:
    response = httpx.post(f"{server}/ask", json={"question": "NSTRI", "top_k": True}, timeout=10)
    payload = error_of(response, 422)
    assert [problem["field"] for problem in payload["detail"]] == ["body.top_k"]
    response = httpx.get(f"{server}/search", params={"q": "NSTRI", "top_k": "true"}, timeout=10)
    assert error_of(response, 422)["detail"][0]["field"] == "query.top_k"
    response = httpx.get(f"{server}/search", params={"q": "NSTRI", "top_k": "2"}, timeout=30)
    assert len(response.json()["passages"]) == 2


def test_a_date_is_written_yyyy_mm_dd(server: str) -> None:
    """Not a number, which would otherwise be read as a Unix timestamp."""
    for value in ("0", "1700000000", "20240101"):
        params = {"q": "NSTRI", "published_from": value}
        detail = error_of(httpx.get(f"{server}/search", params=params, timeout=10), 422)["detail"]
        assert [problem["field"] for problem in detail] == ["query.published_from"], value
    body = {"question": "NSTRI", "filters": {"published_to": 0}}
    detail = error_of(httpx.post(f"{server}/ask", json=body, timeout=10), 422)["detail"]
    assert [problem["field"] for problem in detail] == ["body.filters.published_to"]


def test_top_k_and_question_limits_come_from_the_settings(server: str, settings: Settings) -> None:
    """They name the field, as the models' own checks do, and the schema declares them."""
    too_many = {"question": "NSTRI", "top_k": settings.service.max_top_k + 1}
    detail = error_of(httpx.post(f"{server}/ask", json=too_many, timeout=10), 422)["detail"]
    assert (
        detail[0]["field"] == "body.top_k"
        and str(settings.service.max_top_k) in detail[0]["problem"]
    )
    too_long = {"question": "x" * (settings.service.max_question_chars + 1)}
    detail = error_of(httpx.post(f"{server}/ask", json=too_long, timeout=10), 422)["detail"]
    assert [problem["field"] for problem in detail] == ["body.question"]
    params = {
        "q": "x" * (settings.service.max_question_chars + 1),
        "top_k": settings.service.max_top_k + 1,
    }
    detail = error_of(httpx.get(f"{server}/search", params=params, timeout=10), 422)["detail"]
    assert {problem["field"] for problem in detail} == {"query.q", "query.top_k"}
    schema = httpx.get(f"{server}/openapi.json", timeout=10).json()
    ask = schema["components"]["schemas"]["AskRequest"]["properties"]
    assert ask["question"]["maxLength"] == settings.service.max_question_chars
    assert {"type": "integer", "minimum": 1, "maximum": settings.service.max_top_k} in ask["top_k"][
        "anyOf"
    ]


def test_an_unhandled_exception_is_a_logged_500_without_a_trace(
    server: str,
    engine: SearchEngine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internal state")

    monkeypatch.setattr(engine, "answer", broken)
    with caplog.at_level(logging.ERROR, logger="api.errors"):
        response = httpx.post(f"{server}/ask", json={"question": "NSTRI"}, timeout=10)
    assert error_of(response, 500) == {"error": "internal", "detail": "internal server error"}
    assert "secret" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "api.errors"]
    assert len(logged) == 1 and "POST /ask" in logged[0].getMessage()
    assert logged[0].exc_info and isinstance(logged[0].exc_info[1], RuntimeError)
