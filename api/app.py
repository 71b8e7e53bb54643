"""The FastAPI application: settings and the live index in, routes and error mapping out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.admin import install_admin, running_reindexer
from api.docs import add_docs
from api.errors import install_error_handlers
from api.limits import install_limits
from api.observe import install_observability
from api.page import add_page
from api.routes import router
from api.validation import document_limits
from index.live import LiveIndex
from rag.config import Settings, get_settings
from rag.embedding.encoder import Encoder
from rag.errors import InputError, NotFoundError, RagError

log = logging.getLogger(__name__)


async def _watch_for_new_builds(live: LiveIndex, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        await asyncio.to_thread(live.refresh)


def create_app(
    settings: Settings | None = None,
    live: LiveIndex | None = None,
    open_live: Callable[[], LiveIndex] | None = None,
) -> FastAPI:
    """The app over ``live``, or over what ``open_live`` loads at start-up (off the event
    loop: loading may wait on other processes, as Ray Serve's shards), or over the index in
    ``RAG_INDEX_DIR``."""
    settings = settings or get_settings()

    def open_default() -> LiveIndex:
        return LiveIndex(settings, Encoder(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.live_index = live or await asyncio.to_thread(open_live or open_default)
        watcher = None
        if settings.service.reload_interval_s > 0:
            watcher = asyncio.create_task(
                _watch_for_new_builds(app.state.live_index, settings.service.reload_interval_s)
            )
        async with running_reindexer(app, settings):
            yield
        if watcher:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    app = FastAPI(
        title="Health-policy news QA",
        description="Korean or English questions answered with cited passages from news articles.",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,  # served offline by add_docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.include_router(router)
    install_admin(app, settings)  # /admin/*, only with RAG_ADMIN_API_KEY
    add_page(app)
    add_docs(app)
    document_limits(app, settings)
    install_limits(app, settings)
    install_error_handlers(app)  # last: its middleware wraps the limits' too
    install_observability(app, settings)  # outside even that: every request, final status

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in error["loc"]), "problem": error["msg"]}
            for error in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"error": "invalid_input", "detail": problems})

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"error": "not_found", "detail": str(exc)})

    @app.exception_handler(InputError)
    async def bad_input(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"error": "invalid_input", "detail": str(exc)})

    @app.exception_handler(RagError)
    async def service_error(_: Request, exc: RagError) -> JSONResponse:
        log.error("request failed: %s", exc)
        return JSONResponse(status_code=503, content={"error": "unavailable", "detail": str(exc)})

    return app
