"""Title retrieval: the question against the titles of the articles, a third fused ranking.

A title says in one line what its article is about (a headline, the question a health FAQ
answers), so it is compared with the question as another question would be: both embedded
with the model's query prompt. Passages are embedded with their title in front, but the body
outweighs it there; matched on its own, the title tells apart articles on one subject that
answer different questions (what causes X, how X is treated). Every chunk of an article scores
its article's title.

A title shared by many articles (the file name over the pages of a PDF, an encyclopedia entry
over its paragraphs) names their source, not the passage, so the ranking's weight in fusion is
scaled by ``distinct_share``: distinct titles per titled article.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.documents import Article, Chunk
from rag.types import Query, Scored, best_of

if TYPE_CHECKING:
    from rag.config import QueryParams

NO_TITLE = -1  # chunk_titles entry of a chunk whose article has no title


@dataclass(frozen=True)
class TitleTable:
    """The distinct titles of a corpus and, for every chunk, the row of its article's title."""

    titles: list[str]
    chunk_titles: np.ndarray  # int32 per chunk, NO_TITLE where the article has none
    titled_articles: int

    @classmethod
    def of(cls, articles: Iterable[Article], chunks: Iterable[Chunk]) -> TitleTable:
        titles: dict[str, int] = {}
        article_title: dict[str, int] = {}
        for article in articles:
            title = article.title.strip()
            if title:
                article_title[article.id] = titles.setdefault(title, len(titles))
        rows = np.array(
            [article_title.get(chunk.article_id, NO_TITLE) for chunk in chunks], dtype=np.int32
        )
        return cls(list(titles), rows, len(article_title))


class TitleRetriever:
    name = "titles"
    pad: float | None = None
    # A short title in another language is a weak match for the encoder.
    own_language_only = True

    def __init__(self, vectors: np.ndarray, chunk_titles: np.ndarray, titled_articles: int) -> None:
        if len(chunk_titles) and int(chunk_titles.max(initial=NO_TITLE)) >= len(vectors):
            raise ValueError("a chunk refers to a title that has no vector")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.chunk_titles = chunk_titles
        self._titled = chunk_titles != NO_TITLE
        self.titled_articles = titled_articles

    @property
    def distinct_share(self) -> float:
        """Distinct titles per titled article: 1 when every article has its own title."""
        if self.titled_articles == 0:
            return 0.0
        return min(1.0, len(self.vectors) / self.titled_articles)

    def search(self, query: Query, k: int, allowed: np.ndarray | None = None) -> Scored:
        # Raw model vectors on both sides: titles are compared as the model embeds them.
        if query.raw_vector is None or not len(self.vectors) or not self._titled.any():
            return Scored.empty()
        by_title = self.vectors @ query.raw_vector
        rows = np.flatnonzero(self._titled if allowed is None else self._titled & allowed)
        # A chunk scores its title's similarity; ties (an article's chunks) by position.
        return best_of(rows, by_title[self.chunk_titles[rows]], k)

    def weight(self, params: QueryParams) -> float:
        """The setting, scaled by how many articles have a title of their own."""
        return params.title_weight * self.distinct_share

    def prepare(self, query: Query, params: QueryParams) -> bool | None:
        return True if self.weight(params) > 0 else None

    def search_prepared(
        self, query: Query, k: int, allowed: np.ndarray | None, prepared: Any
    ) -> Scored:
        return self.search(query, k, allowed)
