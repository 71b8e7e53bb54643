"""HTTP guard rails as ASGI middleware: how large a body may be, how long it may take to
arrive, how deep its JSON may nest, and how many query requests run at once.

- A body declared larger than ``max_body_bytes`` (``Content-Length``) is answered 413 before any
  of it is read; a chunked body is read only until it passes the limit (413).
- A body that has not arrived in full within ``body_timeout_s`` is answered 408.
- Both close the connection, whose unread rest is never read.
- A body nested deeper than ``max_json_depth`` (as JSON) is answered 422 before it is parsed.
- At most ``max_in_flight`` requests to the query routes run at once; one more is refused at
  once with 503 ``overloaded`` and ``Retry-After``. :class:`InFlightLimiter` (on
  ``app.state.in_flight``) counts requests in flight and refusals.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from rag.config import Settings

# The routes whose work the in-flight cap protects; /health and the rest are never refused.
QUERY_PATHS = frozenset({"/ask", "/search"})
_CLOSE = {"connection": "close"}
_JSON_TOKENS = re.compile(rb'[\[\]{}"\\]')


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``limit``, in one linear pass
    (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    in_string = False
    escaped_at = -1  # position of the character a backslash in a string escapes
    for token in _JSON_TOKENS.finditer(body):
        at, char = token.start(), token.group()
        if at == escaped_at:
            continue
        if in_string:
            if char == b"\\":
                escaped_at = at + 1
            elif char == b'"':
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


class BodyLimitMiddleware:
    """Reads a request's whole body under a size and a time limit, then hands it on."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float, max_json_depth: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                body = await self._read(receive)
        except _Disconnected:
            return
        except _TooLarge:
            await self._too_large(scope, receive, send)
            return
        except TimeoutError:
            detail = f"the request body did not arrive within {self.timeout_s:g} s"
            await error_response(408, detail, headers=_CLOSE)(scope, receive, send)
            return
        if json_depth_exceeds(body, self.max_json_depth):
            detail = f"JSON nested deeper than {self.max_json_depth} levels"
            await error_response(422, detail)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than {self.max_bytes} bytes"
        await error_response(413, detail, headers=_CLOSE)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read already, then whatever the client sends next."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


class InFlightLimiter:
    """Counts query requests in flight and refusals; one event loop updates it, no lock needed."""

    def __init__(self, limit: int, retry_after_s: int) -> None:
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.in_flight = 0
        self.refused = 0

    def try_enter(self) -> bool:
        if self.in_flight >= self.limit:
            self.refused += 1
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        self.in_flight -= 1


class InFlightMiddleware:
    """Refuses a request to ``paths`` at once (503) while ``limiter`` is full."""

    def __init__(self, app: ASGIApp, limiter: InFlightLimiter, paths: Collection[str]) -> None:
        self.app = app
        self.limiter = limiter
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if not self.limiter.try_enter():
            detail = f"{self.limiter.limit} requests are in flight; retry later"
            headers = {"retry-after": str(self.limiter.retry_after_s)}
            await error_response(503, detail, "overloaded", headers)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.limiter.leave()


def install_limits(app: FastAPI, settings: Settings) -> InFlightLimiter:
    """Add the guard rails to ``app`` (the body's first, then the cap on requests in flight);
    the limiter is also ``app.state.in_flight``."""
    limiter = InFlightLimiter(settings.service.max_in_flight, settings.service.retry_after_s)
    app.state.in_flight = limiter
    app.add_middleware(InFlightMiddleware, limiter=limiter, paths=QUERY_PATHS)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.service.max_body_bytes,
        timeout_s=settings.service.body_timeout_s,
        max_json_depth=settings.service.max_json_depth,
    )
    return limiter
