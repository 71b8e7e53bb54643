"""The ``/admin`` routes: rebuild the index in the background, behind an API key.

They exist only when ``RAG_ADMIN_API_KEY`` is set (else every ``/admin`` path is a 404). A
request must carry the key as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY`` (compared in
constant time); without it, 401. The work is :class:`index.reindex.Reindexer`'s.

- ``POST /admin/reindex`` ``{"paths": [...]}`` (optional): 202 with the job; 409 while one runs.
- ``GET /admin/reindex/{id}?wait=S``: the job, after waiting up to ``S`` seconds for it to end.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.schemas import ErrorOut
from index.reindex import PathNotAllowedError, ReindexBusyError, Reindexer, ReindexJob
from rag.config import Settings

_BEARER = "bearer "


class ReindexIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paths: list[str] | None = Field(
        None,
        max_length=100,
        description="files or folders to index, each inside RAG_ADMIN_ALLOWED_ROOTS; "
        "default: the served build's own inputs (its manifest's)",
    )


class ReindexJobOut(BaseModel):
    id: str
    status: Literal["running", "succeeded", "failed"]
    paths: list[str] = Field(description="what is indexed")
    started_at: str
    duration_s: float | None = Field(description="seconds it ran (once finished)")
    build_id: str | None = Field(description="the new build (once published)")
    served: bool = Field(description="whether the server now serves the new build")
    exit_code: int | None
    error: str | None
    log: list[str] = Field(description="the build's last output lines")


def _out(job: ReindexJob) -> ReindexJobOut:
    return ReindexJobOut.model_validate(job.to_dict())


def admin_key(settings: Settings) -> bytes | None:
    """The configured admin key; None when there is none (an empty one counts as none)."""
    key = (
        settings.service.admin_api_key.get_secret_value() if settings.service.admin_api_key else ""
    )
    return key.encode() if key.strip() else None


def require_admin_key(request: Request) -> None:
    expected = admin_key(request.app.state.settings)
    assert expected is not None  # the routes exist only with a key
    given = request.headers.get("x-api-key")
    authorization = request.headers.get("authorization", "")
    if given is None and authorization.lower().startswith(_BEARER):
        given = authorization[len(_BEARER) :].strip()
    if given is None or not hmac.compare_digest(given.encode(), expected):
        raise HTTPException(
            401,
            "a valid API key is required (Authorization: Bearer KEY or X-API-Key: KEY)",
            headers={"WWW-Authenticate": "Bearer"},
        )


def get_reindexer(request: Request) -> Reindexer:
    reindexer: Reindexer = request.app.state.reindexer
    return reindexer


ReindexerDep = Annotated[Reindexer, Depends(get_reindexer)]
router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin_key)],
    responses={401: {"model": ErrorOut, "description": "no or wrong API key"}},
)


@router.post(
    "/reindex",
    status_code=202,
    response_model=ReindexJobOut,
    responses={
        403: {"model": ErrorOut, "description": "a path outside RAG_ADMIN_ALLOWED_ROOTS"},
        409: {"model": ErrorOut, "description": "a reindex is running"},
        422: {"model": ErrorOut, "description": "invalid input, or a path that does not exist"},
    },
)
def start_reindex(reindexer: ReindexerDep, body: ReindexIn | None = None) -> ReindexJobOut:
    """Rebuild the index in the background (``rag build``, at low CPU priority); the server
    serves the new build as soon as it is published."""
    try:
        paths = reindexer.resolve_paths(body.paths if body else None)
        job = reindexer.start(paths)
    except PathNotAllowedError as exc:
        raise HTTPException(403, str(exc)) from exc
    except ReindexBusyError as exc:
        raise HTTPException(
            409, str(exc), headers={"Location": f"/admin/reindex/{exc.job.id}"}
        ) from exc
    return _out(job)


@router.get(
    "/reindex/{job_id}",
    response_model=ReindexJobOut,
    responses={404: {"model": ErrorOut, "description": "unknown job"}},
)
async def reindex_status(
    job_id: str,
    request: Request,
    reindexer: ReindexerDep,
    wait: Annotated[
        float, Query(ge=0, description="seconds to wait for a running job to finish")
    ] = 0.0,
) -> ReindexJobOut:
    """A reindex job: running, succeeded or failed, its build id, duration and last output."""
    job = reindexer.job(job_id)
    if job is None:
        raise HTTPException(404, f"no reindex job {job_id}")
    settings: Settings = request.app.state.settings
    timeout = min(wait, settings.service.admin_wait_max_s)
    if timeout > 0 and not job.done.is_set():
        await run_in_threadpool(job.done.wait, timeout)
    return _out(job)


def install_admin(app: FastAPI, settings: Settings) -> None:
    """Mount the ``/admin`` routes when an admin key is configured; without one, nothing."""
    if admin_key(settings) is not None:
        app.include_router(router)


@asynccontextmanager
async def running_reindexer(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """``app.state.reindexer`` for the app's lifetime (with an admin key); a reindex still
    running at shutdown is stopped."""
    if admin_key(settings) is None:
        yield
        return
    reindexer = Reindexer(settings, app.state.live_index)
    app.state.reindexer = reindexer
    try:
        yield
    finally:
        await run_in_threadpool(reindexer.close)
