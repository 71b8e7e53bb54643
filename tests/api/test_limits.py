"""The HTTP guard rails (api/limits.py) against a real uvicorn server, over raw sockets where
the client must misbehave (declare a huge body, stall, stream without end)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.limits import InFlightLimiter
from index.live import LiveIndex
from rag.config import Settings
from rag.engine import SearchEngine
from tests.conftest import running_server

SOCKET_TIMEOUT_S = 8.0  # longer than any answer the tests wait for: a hang fails, not blocks
STRICT_BODY_TIMEOUT_S = 0.5
STRICT_RETRY_AFTER_S = 3


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after the response
    seconds: float  # from the last byte sent to the end of the response


def raw_exchange(base: str, head: str, parts: Sequence[bytes] = ()) -> RawResponse:
    """Send a request head and some body ``parts`` over a plain socket, send nothing more, and
    read the response; the server must answer without the rest of the body."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=SOCKET_TIMEOUT_S) as sock:
        sock.sendall(head.encode("latin-1"))
        for part in parts:
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed without reading the rest: read on
        started = time.monotonic()
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed without a response: {data!r}"
            data += chunk
        raw_head, _, body = data.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = (line.partition(":") for line in lines[1:])
        headers = {name.strip().lower(): value.strip() for name, _, value in fields}
        while len(body) < int(headers["content-length"]):
            chunk = sock.recv(65536)
            assert chunk, "connection closed in the middle of the response"
            body += chunk
        seconds = time.monotonic() - started
        try:
            closed = sock.recv(1) == b""
        except ConnectionResetError:
            closed = True
    return RawResponse(status, headers, body, closed, seconds)


def post_head(path: str, **headers: str | int) -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_a_body_declared_too_large_is_refused_before_it_is_read(
    server: str, settings: Settings
) -> None:
    five_mb = 5 * 1024 * 1024
    response = raw_exchange(server, post_head("/ask", Content_Length=five_mb), [b'{"question'])
    assert response.status == 413
    assert json.loads(response.body)["error"] == "too_large"
    assert str(settings.service.max_body_bytes) in json.loads(response.body)["detail"]
    assert response.closed and response.seconds < 2


def test_a_5_mb_body_sent_in_full_gets_413_fast(server: str) -> None:
    started = time.monotonic()
    body = b'{"question": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    response = httpx.post(
        f"{server}/ask", content=body, headers={"content-type": "application/json"}, timeout=10
    )
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert time.monotonic() - started < 5


def test_a_streamed_body_is_read_only_until_it_passes_the_limit(
    server: str, settings: Settings
) -> None:
    piece = b"x" * 16384
    pieces = settings.service.max_body_bytes // len(piece) + 1  # past the limit, never finished
    response = raw_exchange(
        server,
        post_head("/ask", Transfer_Encoding="chunked"),
        [chunk(b'{"question": "')] + [chunk(piece)] * pieces,
    )
    assert response.status == 413 and json.loads(response.body)["error"] == "too_large"
    assert response.closed and response.seconds < 2


@dataclass
class StrictServer:
    base: str
    app: FastAPI


@pytest.fixture(scope="module")
def strict_server(settings: Settings, live_index: LiveIndex) -> Iterator[StrictServer]:
    """The session's index behind tight limits: one query at a time, a body within 0.5 s."""
    strict = settings.but(
        max_in_flight=1,
        body_timeout_s=STRICT_BODY_TIMEOUT_S,
        retry_after_s=STRICT_RETRY_AFTER_S,
        reload_interval_s=0,
    )
    app = create_app(strict, live=live_index)
    with running_server(app) as base:
        yield StrictServer(base, app)


def test_a_body_that_stalls_gets_408_and_the_connection_is_closed(
    strict_server: StrictServer,
) -> None:
    response = raw_exchange(strict_server.base, post_head("/ask", Content_Length=100), [b"x" * 10])
    assert response.status == 408
    assert json.loads(response.body) == {
        "error": "timeout",
        "detail": f"the request body did not arrive within {STRICT_BODY_TIMEOUT_S:g} s",
    }
    assert response.closed
    assert STRICT_BODY_TIMEOUT_S * 0.9 < response.seconds < STRICT_BODY_TIMEOUT_S + 2


def test_when_the_queries_in_flight_are_full_more_are_refused_at_once(
    strict_server: StrictServer, engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    answer = engine.answer

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(timeout=30)
        return answer(*args, **kwargs)

    monkeypatch.setattr(engine, "answer", held)
    limiter: InFlightLimiter = strict_server.app.state.in_flight
    base = strict_server.base
    first: list[httpx.Response] = []
    asking = threading.Thread(
        target=lambda: first.append(
            httpx.post(f"{base}/ask", json={"question": "what is NSTRI?"}, timeout=30)
        )
    )
    asking.start()
    try:
        assert entered.wait(timeout=30)
        assert limiter.in_flight == 1 and limiter.refused == 0
        started = time.monotonic()
        refused = httpx.post(f"{base}/ask", json={"question": "what is NSTRI?"}, timeout=10)
        searched = httpx.get(f"{base}/search", params={"q": "NSTRI"}, timeout=10)
        assert time.monotonic() - started < 2
        for response in (refused, searched):
            assert response.status_code == 503
            assert response.headers["retry-after"] == str(STRICT_RETRY_AFTER_S)
            assert response.json()["error"] == "overloaded"
        assert httpx.get(f"{base}/health", timeout=10).status_code == 200
        assert limiter.refused == 2
    finally:
        release.set()
        asking.join(timeout=30)
    assert first[0].status_code == 200 and first[0].json()["found"]
    # The slot is free again.
    response = httpx.get(f"{base}/search", params={"q": "NSTRI"}, timeout=30)
    assert response.status_code == 200 and limiter.refused == 2
