"""The indexed corpus in memory: cleaned articles, their chunks, and filterable metadata."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from rag.documents import Article, Chunk
from rag.errors import InputError, NotFoundError


@dataclass(frozen=True)
class Filters:
    source: str | None = None
    lang: str | None = None
    published_from: date | None = None
    published_to: date | None = None

    def __post_init__(self) -> None:
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise InputError("published_from is after published_to")

    @property
    def empty(self) -> bool:
        return not (self.source or self.lang or self.published_from or self.published_to)


class Corpus:
    def __init__(self, articles: Sequence[Article], chunks: Sequence[Chunk]) -> None:
        self.articles = {article.id: article for article in articles}
        self.chunks = list(chunks)
        by_id = self.articles
        self._lang = np.array([c.lang for c in self.chunks], dtype=object)
        self._source = np.array(
            [(by_id[c.article_id].source or "").lower() for c in self.chunks], dtype=object
        )
        self._article_ids = np.array([c.article_id for c in self.chunks], dtype=object)
        # Dates as ISO strings compare correctly; a missing date sorts before every real one.
        self._published = np.array(
            [by_id[c.article_id].published or "" for c in self.chunks], dtype=object
        )

    def __len__(self) -> int:
        return len(self.chunks)

    def article(self, article_id: str) -> Article:
        try:
            return self.articles[article_id]
        except KeyError:
            raise NotFoundError(f"no article with id {article_id!r}") from None

    def article_of(self, position: int) -> Article:
        return self.articles[self.chunks[position].article_id]

    def chunk_languages(self) -> np.ndarray:
        return self._lang

    def without_articles(self, article_ids: Iterable[str]) -> np.ndarray:
        """Boolean mask of the chunks of every article but ``article_ids``."""
        return ~np.isin(self._article_ids, list(article_ids))

    def mask(self, filters: Filters) -> np.ndarray | None:
        """Boolean mask of the chunks that pass ``filters``; ``None`` when nothing filters."""
        if filters.empty:
            return None
        allowed = np.ones(len(self.chunks), dtype=bool)
        if filters.source:
            allowed &= self._source == filters.source.lower()
        if filters.lang:
            allowed &= self._lang == filters.lang
        if filters.published_from or filters.published_to:
            allowed &= self._published != ""
            if filters.published_from:
                allowed &= self._published >= filters.published_from.isoformat()
            if filters.published_to:
                allowed &= self._published <= filters.published_to.isoformat()
        return allowed
