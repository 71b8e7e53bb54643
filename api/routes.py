"""The HTTP routes: thin adapters between JSON and the search engine."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.deps import get_snapshot
from api.schemas import (
    AnswerOut,
    ArticleOut,
    AskRequest,
    ErrorOut,
    FiltersIn,
    HealthOut,
    SearchOut,
)
from index.live import Snapshot
from rag.corpus import Filters

router = APIRouter()
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorOut, "description": "unknown article"},
    422: {"model": ErrorOut, "description": "invalid input"},
}


def _filters(body: FiltersIn) -> Filters:
    return Filters(
        source=body.source,
        lang=body.lang,
        published_from=body.published_from,
        published_to=body.published_to,
    )


@router.post("/ask", response_model=AnswerOut, responses=_ERRORS)
def ask(body: AskRequest, snapshot: SnapshotDep) -> AnswerOut:
    """Answer a question with cited passages, or say that the articles do not answer it."""
    answer = snapshot.engine.answer(body.question, body.top_k, _filters(body.filters))
    return AnswerOut.model_validate(answer.to_dict())


@router.get("/search", response_model=SearchOut, responses=_ERRORS)
def search(
    snapshot: SnapshotDep,
    q: Annotated[str, Query(min_length=1, description="the question or keywords")],
    top_k: int | None = None,
    source: str | None = None,
    lang: Literal["ko", "en"] | None = None,
    published_from: date | None = None,
    published_to: date | None = None,
) -> SearchOut:
    """Ranked passages for a query, without the answer's abstention."""
    filters = _filters(
        FiltersIn(
            source=source, lang=lang, published_from=published_from, published_to=published_to
        )
    )
    passages = snapshot.engine.search(q, top_k, filters)
    return SearchOut.model_validate({"query": q, "passages": [p.to_dict() for p in passages]})


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=_ERRORS)
def article(article_id: str, snapshot: SnapshotDep) -> ArticleOut:
    """The cleaned article that passages cite; offsets refer to its ``text``."""
    found = snapshot.engine.corpus.article(article_id)
    return ArticleOut.model_validate(found.to_dict())


@router.get("/health", response_model=HealthOut)
def health(snapshot: SnapshotDep) -> HealthOut:
    """The served build's manifest: model, chunking, corpus fingerprint and counts."""
    return HealthOut(status="ok", build=snapshot.folder.name, manifest=snapshot.manifest.to_dict())
