"""The retriever interface: a query in, scored chunk positions out.

Every retriever (dense FAISS, BM25, their fusion, later an ANN index or a remote shard) answers
``search(query, k, allowed)``; ``allowed`` is an optional boolean mask over chunk positions
that filters (source, language, dates) are turned into, so filtering is exact, not post hoc.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np


@dataclass
class Query:
    text: str
    lang: str
    vector: np.ndarray | None = None  # the embedding as the index compares it (centred)
    raw_vector: np.ndarray | None = None  # the model's own unit embedding
    terms: list[str] = field(default_factory=list)  # BM25 terms
    translations: list[str] = field(default_factory=list)  # BM25 terms in other languages
    syllables: list[str] = field(default_factory=list)  # syllable-bigram terms (Korean only)
    phrases: list[str] = field(default_factory=list)  # pairs of neighbouring BM25 terms
    # One set per question term: the term and the translations of the word it came from.
    concepts: list[set[str]] = field(default_factory=list)


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
        pairs = zip(self.positions.tolist(), self.scores.tolist(), strict=True)
        return [Hit(position, score) for position, score in pairs]

    @staticmethod
    def concatenate(parts: Sequence[Scored]) -> Scored:
        if not parts:
            return Scored.empty()
        return Scored(
            np.concatenate([p.positions for p in parts]), np.concatenate([p.scores for p in parts])
        )


class Retriever(Protocol):
    def search(self, query: Query, k: int, allowed: np.ndarray | None = None) -> Scored: ...


def top_scored(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> Scored:
    """The ``k`` best positions of a dense score array, best first; masked rows excluded."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return Scored.empty()
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return Scored(best.astype(np.int64), scores[best].astype(np.float64))
