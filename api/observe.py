"""Every request measured and logged once: an ASGI middleware outside all the others.

It counts and times each request by route template (``/articles/{article_id}``, not the
article's id; ``<unmatched>`` for a path no route has) and status, and writes one log line per
request on the ``api.access`` logger, as key=value pairs::

    method=POST route=/ask status=200 duration_ms=83.1 request_id=5f0c...

The request id is the request's own ``X-Request-ID`` when it is a plain token, else a new
one; it is returned in the same response header, so a client can quote it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import RequestMetrics, ServiceCollector
from api.metrics import router as metrics_router
from rag.config import Settings

access_log = logging.getLogger("api.access")

UNMATCHED = "<unmatched>"
# A request id taken as the client sent it: short, and nothing that could forge a log line.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (set on the scope by the router)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: RequestMetrics, header: str) -> None:
        self.app = app
        self.metrics = metrics
        self.header = header
        self._header_key = header.lower().encode("latin-1")

    def _request_id(self, scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == self._header_key:
                text: str = value.decode("latin-1")
                if _REQUEST_ID.fullmatch(text):
                    return text
                break
        return uuid.uuid4().hex

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        status = 500  # when no response starts, the server answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[self.header] = request_id
            await send(message)

        started = time.perf_counter()
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.in_flight.dec()
            method, route = scope["method"], route_template(scope)
            self.metrics.observe(method, route, status, seconds)
            access_log.info(
                "method=%s route=%s status=%d duration_ms=%.1f request_id=%s",
                method,
                route,
                status,
                seconds * 1000,
                request_id,
            )


def install_observability(app: FastAPI, settings: Settings) -> None:
    """``/metrics`` (in a registry of the app's own) and the request middleware. Install it
    last, so that it sees every request, refused ones included, with its final status."""
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    metrics = RequestMetrics(registry, settings.service.metrics_latency_buckets_s)
    registry.register(ServiceCollector(app.state))
    app.include_router(metrics_router)
    app.add_middleware(RequestObserver, metrics=metrics, header=settings.service.request_id_header)
