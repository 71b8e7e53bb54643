"""The web page at ``/`` and the one JSON route it needs besides ``/ask``: ``/sources``.

The page is plain HTML, CSS and JavaScript from ``api/static`` (no build step, nothing from
another host); it calls ``POST /ask`` and fills its source filter from ``GET /sources``.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from api.deps import get_snapshot
from index.live import Snapshot
from rag.corpus import Corpus

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter()
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]


class SourceOut(BaseModel):
    name: str = Field(description="the source as the filter takes it (e.g. npr.org)")
    articles: int = Field(description="indexed articles from this source")


class SourcesOut(BaseModel):
    articles: int = Field(description="indexed articles")
    sources: list[SourceOut] = Field(description="distinct sources, by name")
    languages: list[str] = Field(description="passage languages present (ko, en)")
    published_from: str | None = Field(description="earliest publication date (ISO)")
    published_to: str | None = Field(description="latest publication date (ISO)")


# One summary per corpus: a corpus is immutable, and a swapped-out build's entry goes with it.
_summaries: weakref.WeakKeyDictionary[Corpus, SourcesOut] = weakref.WeakKeyDictionary()


def summarize(corpus: Corpus) -> SourcesOut:
    """The filter values an index offers: its sources, languages and date range."""
    cached = _summaries.get(corpus)
    if cached is not None:
        return cached
    counts: dict[str, int] = {}
    names: dict[str, str] = {}  # the filter ignores case: one entry per lowercased source
    dates: list[str] = []
    for article in corpus.articles.values():
        if article.source:
            key = article.source.lower()
            names.setdefault(key, article.source)
            counts[key] = counts.get(key, 0) + 1
        if article.published:
            dates.append(article.published)
    summary = SourcesOut(
        articles=len(corpus.articles),
        sources=[SourceOut(name=names[k], articles=counts[k]) for k in sorted(names)],
        languages=sorted({chunk.lang for chunk in corpus.chunks}),
        published_from=min(dates, default=None),
        published_to=max(dates, default=None),
    )
    _summaries[corpus] = summary
    return summary


@router.get("/sources", response_model=SourcesOut)
def sources(snapshot: SnapshotDep) -> SourcesOut:
    """The sources, languages and publication dates of the served index, for filters."""
    return summarize(snapshot.engine.corpus)


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html")


def add_page(app: FastAPI) -> None:
    """Serve the page at ``/``, its files under ``/static`` and ``GET /sources``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
