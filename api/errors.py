"""One error shape for every 4xx and 5xx: ``{"error": <code>, "detail": ...}``.

The framework's own errors (unknown route, wrong method, a body it cannot parse) are mapped to
it here, and an unhandled exception becomes a logged 500 whose body holds no stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# Codes of the statuses this service produces itself; any other status gets its HTTP phrase.
_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    413: "too_large",
    422: "invalid_input",
    500: "internal",
    503: "unavailable",
}


def error_code(status: int) -> str:
    if status in _CODES:
        return _CODES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "error"
    return "_".join(phrase.lower().replace("-", " ").split())


def error_response(
    status: int, detail: Any, error: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The service's error body; ``error`` defaults to the status's code."""
    return JSONResponse(
        status_code=status,
        content={"error": error or error_code(status), "detail": detail},
        headers=dict(headers) if headers else None,
    )


class UnhandledErrorMiddleware:
    """Turns an exception no handler took into a logged 500 in the error shape.

    It sits outside the other middleware, so a failure anywhere below it is answered the same
    way; once a response has started, the exception goes on to the server, which drops the
    connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(500, "internal server error")(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """The framework's HTTP errors (404, 405, 400 ...) and unhandled exceptions, in the shape."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, exc.detail, headers=exc.headers)

    app.add_middleware(UnhandledErrorMiddleware)
