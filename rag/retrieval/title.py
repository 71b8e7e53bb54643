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

from rag.ann import Calibration
from rag.documents import Article, Chunk
from rag.types import Query, Scored, best_of

if TYPE_CHECKING:
    from rag.config import QueryParams

NO_TITLE = -1  # chunk_titles entry of a chunk whose article has no title
# An approximate search asks for the k nearest titles, then APPROXIMATE_GROWTH times as many
# while their allowed chunks are fewer than k, at most APPROXIMATE_ROUNDS times.
APPROXIMATE_GROWTH = 8
APPROXIMATE_ROUNDS = 3


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

    def __init__(
        self,
        vectors: np.ndarray,
        chunk_titles: np.ndarray,
        titled_articles: int,
        index: Any | None = None,
    ) -> None:
        if len(chunk_titles) and int(chunk_titles.max(initial=NO_TITLE)) >= len(vectors):
            raise ValueError("a chunk refers to a title that has no vector")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.chunk_titles = chunk_titles
        self._titled = chunk_titles != NO_TITLE
        self.titled_articles = titled_articles
        # An approximate FAISS index over the title vectors (``rag.ann``, chosen for their
        # number as the passages' is), or None: every title scored, exactly.
        self.index = index
        self.factory = "Flat"  # the factory of ``index``, set by the part that builds it
        self.calibration: Calibration | None = None
        self._grouped: tuple[np.ndarray, np.ndarray] | None = None

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
        if self.index is not None:
            found = self._search_approximate(self.index, query.raw_vector, k, allowed)
            if found is not None:
                return found
        by_title = self.vectors @ query.raw_vector
        rows = np.flatnonzero(self._titled if allowed is None else self._titled & allowed)
        # A chunk scores its title's similarity; ties (an article's chunks) by position.
        return best_of(rows, by_title[self.chunk_titles[rows]], k)

    def chunks_by_title(self) -> tuple[np.ndarray, np.ndarray]:
        """The titled chunks' rows grouped by title (ascending within one) and where each
        title's group starts: title ``t``'s chunks are ``rows[starts[t]:starts[t + 1]]``. Made
        once, when the part loads with an index, so that no question pays for it."""
        if self._grouped is None:
            titled = np.flatnonzero(self._titled)
            rows = titled[np.argsort(self.chunk_titles[titled], kind="stable")]
            starts = np.searchsorted(self.chunk_titles[rows], np.arange(len(self.vectors) + 1))
            self._grouped = (rows, starts)
        return self._grouped

    def _search_approximate(
        self, index: Any, vector: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> Scored | None:
        """The chunks of the titles the index finds nearest, ``k`` allowed ones at least:
        the nearest titles are asked for again, more of them each round, while their chunks
        are too few. None when the index's lists searched hold too few allowed chunks (a
        narrow filter): the caller then scores every title."""
        grouped, starts = self.chunks_by_title()
        query = np.ascontiguousarray(vector, dtype=np.float32)[None, :]
        total = len(self.vectors)
        wanted = min(max(k, 1), total)
        for _ in range(APPROXIMATE_ROUNDS):
            scores, titles = index.search(query, wanted)
            found = titles[0] >= 0
            titles, scores = titles[0][found], scores[0][found]
            sizes = starts[titles + 1] - starts[titles]
            # Each title's run of chunks, one after the other: run start plus place in run.
            within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            rows = grouped[np.repeat(starts[titles], sizes) + within]
            chunk_scores = np.repeat(scores, sizes)
            if allowed is not None:
                keep = allowed[rows]
                rows, chunk_scores = rows[keep], chunk_scores[keep]
            if len(rows) >= k:
                order = np.argsort(rows, kind="stable")  # best_of takes rows ascending
                return best_of(rows[order], chunk_scores[order], k)
            if len(titles) < wanted or wanted == total:
                return None  # the lists searched hold no more titles
            wanted = min(wanted * APPROXIMATE_GROWTH, total)
        return None

    def weight(self, params: QueryParams) -> float:
        """The setting, scaled by how many articles have a title of their own."""
        return params.title_weight * self.distinct_share

    def prepare(self, query: Query, params: QueryParams) -> bool | None:
        return True if self.weight(params) > 0 else None

    def search_prepared(
        self, query: Query, k: int, allowed: np.ndarray | None, prepared: Any
    ) -> Scored:
        return self.search(query, k, allowed)
