"""The HTTP routes: thin adapters between JSON and the search engine."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.deps import get_app_settings, get_snapshot
from api.schemas import (
    AnswerOut,
    ArticleOut,
    AskRequest,
    ErrorOut,
    FiltersIn,
    HealthOut,
    IsoDate,
    SearchOut,
)
from api.validation import check_limits
from index.live import Snapshot
from rag.config import Settings
from rag.corpus import Filters
from rag.stages import Trace

router = APIRouter()
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
_Responses = dict[int | str, dict[str, object]]
# Every route may fail with these; the body is always an ErrorOut.
_ALWAYS: _Responses = {
    500: {"model": ErrorOut, "description": "unexpected error (logged; no details given)"},
    503: {"model": ErrorOut, "description": "no index loaded (unavailable)"},
}
_QUERY: _Responses = {
    **_ALWAYS,
    422: {"model": ErrorOut, "description": "invalid input"},
    503: {
        "model": ErrorOut,
        "description": "too many requests in flight (overloaded, with Retry-After) or no index "
        "loaded (unavailable)",
        "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
    },
}
_BODY: _Responses = {
    **_QUERY,
    400: {"model": ErrorOut, "description": "a body that cannot be decoded"},
    408: {"model": ErrorOut, "description": "the body did not arrive in time"},
    413: {"model": ErrorOut, "description": "the body is too large"},
}
_ARTICLE: _Responses = {**_ALWAYS, 404: {"model": ErrorOut, "description": "unknown article"}}


def _json(body: BaseModel) -> Response:
    """``body`` as the response, validated once: returned as a model, FastAPI would dump,
    validate and encode it again (about half a millisecond of an answer's)."""
    return Response(body.model_dump_json(), media_type="application/json")


def _filters(body: FiltersIn) -> Filters:
    return Filters(
        source=body.source,
        lang=body.lang,
        published_from=body.published_from,
        published_to=body.published_to,
    )


@router.post("/ask", response_model=AnswerOut, responses=_BODY)
def ask(body: AskRequest, snapshot: SnapshotDep, settings: SettingsDep) -> Response:
    """Answer a question with cited passages, or say that the articles do not answer it."""
    check_limits(settings, "body", "question", body.question, body.top_k)
    trace = Trace() if body.trace else None
    answer = snapshot.engine.answer(body.question, body.top_k, _filters(body.filters), trace=trace)
    return _json(AnswerOut.model_validate(answer.to_dict()))


@router.get("/search", response_model=SearchOut, responses=_QUERY)
def search(
    snapshot: SnapshotDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, description="the question or keywords")],
    top_k: Annotated[int | None, Query(ge=1)] = None,
    source: str | None = None,
    lang: Literal["ko", "en"] | None = None,
    published_from: IsoDate | None = None,
    published_to: IsoDate | None = None,
) -> Response:
    """Ranked passages for a query, without the answer's abstention."""
    check_limits(settings, "query", "q", q, top_k)
    filters = _filters(
        FiltersIn(
            source=source, lang=lang, published_from=published_from, published_to=published_to
        )
    )
    passages = snapshot.engine.search(q, top_k, filters)
    found = SearchOut.model_validate({"query": q, "passages": [p.to_dict() for p in passages]})
    return _json(found)


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=_ARTICLE)
def article(article_id: str, snapshot: SnapshotDep) -> ArticleOut:
    """The cleaned article that passages cite; offsets refer to its ``text``."""
    found = snapshot.engine.corpus.article(article_id)
    return ArticleOut.model_validate(found.to_dict())


@router.get("/health", response_model=HealthOut, responses=_ALWAYS)
def health(snapshot: SnapshotDep) -> HealthOut:
    """The served build's manifest: model, index config, corpus fingerprint and counts."""
    manifest = snapshot.manifest.to_dict()
    # The inputs' names only: where the corpus lies on the server is not the client's business.
    manifest["inputs"] = [PurePath(path).name for path in manifest.get("inputs", [])]
    return HealthOut(status="ok", build=snapshot.folder.name, manifest=manifest)
