"""The ground floor of ranking: a query, scored chunk positions, and the retriever interface.

Every module that ranks imports these and nothing above them. Every retriever (dense FAISS,
BM25, their fusion, an ANN index or a remote shard) answers ``search(query, k, allowed)``;
``allowed`` is an optional boolean mask over chunk positions that filters (source, language,
dates) are turned into, so filtering is exact, not post hoc.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, overload

import numpy as np

if TYPE_CHECKING:
    from rag.config import QueryParams


@dataclass
class Query:
    text: str
    lang: str
    vector: np.ndarray | None = None  # the embedding as the index compares it (centred)
    raw_vector: np.ndarray | None = None  # the model's own unit embedding
    terms: list[str] = field(default_factory=list)  # BM25 terms
    translations: list[str] = field(default_factory=list)  # BM25 terms in other languages
    # The question's words that hold a content morpheme (Korean questions only).
    words: list[str] = field(default_factory=list)
    # One set per question term: the term and the translations of the word it came from.
    concepts: list[set[str]] = field(default_factory=list)
    # Words the index does not know, read as the indexed term a slip away (rag.spelling).
    corrections: dict[str, str] = field(default_factory=dict)


def concept_weight(concept: set[str], idf: Mapping[str, float]) -> float:
    """A concept weighs its rarest indexed term's IDF (0 when no passage holds any)."""
    return max((idf[t] for t in concept if t in idf), default=0.0)


class Hit(NamedTuple):
    # A tuple, not a dataclass: a query makes thousands (candidates x retrievers x partitions)
    # and a frozen dataclass costs several times more to construct.
    position: int  # row of the chunk in the index
    score: float


@dataclass(frozen=True)
class Scored:
    """A ranking as two arrays, best first: how rankings travel between retrievers and fusion
    inside one query, where a list of hits would be built and dropped by the thousand."""

    positions: np.ndarray  # int64 chunk rows
    scores: np.ndarray  # float64

    @classmethod
    def empty(cls) -> Scored:
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))

    @classmethod
    def of(cls, hits: Sequence[Hit]) -> Scored:
        return cls(
            np.fromiter((h.position for h in hits), dtype=np.int64, count=len(hits)),
            np.fromiter((h.score for h in hits), dtype=np.float64, count=len(hits)),
        )

    def __len__(self) -> int:
        return len(self.positions)

    def best_first(self) -> Scored:
        """Sorted by score, ties by position."""
        order = np.lexsort((self.positions, -self.scores))
        return Scored(self.positions[order], self.scores[order])

    def hits(self) -> list[Hit]:
        return Hits(self)[:]

    @staticmethod
    def concatenate(parts: Sequence[Scored]) -> Scored:
        if not parts:
            return Scored.empty()
        return Scored(
            np.concatenate([p.positions for p in parts]), np.concatenate([p.scores for p in parts])
        )


class Hits(Sequence[Hit]):
    """The hits of a :class:`Scored`, made as they are read: a ranking holds hundreds of
    candidates and an answer reads the first few."""

    def __init__(self, scored: Scored) -> None:
        self._positions = scored.positions
        self._scores = scored.scores

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, slice):
            pairs = zip(self._positions[index].tolist(), self._scores[index].tolist(), strict=True)
            return [Hit(position, score) for position, score in pairs]
        return Hit(int(self._positions[index]), float(self._scores[index]))

    def __iter__(self) -> Iterator[Hit]:
        return (self[row] for row in range(len(self)))


class Retriever(Protocol):
    def search(self, query: Query, k: int, allowed: np.ndarray | None = None) -> Scored: ...


class FusedRanking(Protocol):
    """A ranking fused with the dense and BM25 rankings in each language partition (titles,
    syllables, phrases: see ``rag.parts``)."""

    name: str
    pad: float | None  # z-score fusion: the score of a passage it does not list (None: none)
    own_language_only: bool  # matched only against passages in the question's language

    def weight(self, params: QueryParams) -> float:
        """Its weight in fusion (0: off)."""
        ...

    def prepare(self, query: Query, params: QueryParams) -> Any | None:
        """What a query needs, once for all partitions; None: no ranking for this query."""
        ...

    def search_prepared(
        self, query: Query, k: int, allowed: np.ndarray | None, prepared: Any
    ) -> Scored: ...


def best_of(rows: np.ndarray, scores: np.ndarray, k: int) -> Scored:
    """The ``k`` best ``rows`` (ascending) by their ``scores``, best first, ties by position:
    at the cut, the rows of lowest position, as FAISS's heap keeps the first of equal scores."""
    if k <= 0:
        return Scored.empty()
    if len(rows) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)[: k - len(above)]  # rows ascend: lowest first
        chosen = np.concatenate([above, tied])
        rows, scores = rows[chosen], scores[chosen]
    return Scored(rows.astype(np.int64), scores.astype(np.float64)).best_first()
