"""The retriever interface: a query in, scored chunk positions out.

Every retriever (dense FAISS, BM25, their fusion, later an ANN index or a remote shard) answers
``search(query, k, allowed)``; ``allowed`` is an optional boolean mask over chunk positions
that filters (source, language, dates) are turned into, so filtering is exact, not post hoc.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass
class Query:
    text: str
    lang: str
    vector: np.ndarray | None = None  # the embedding as the index compares it (centred)
    raw_vector: np.ndarray | None = None  # the model's own unit embedding
    terms: list[str] = field(default_factory=list)  # BM25 terms
    translations: list[str] = field(default_factory=list)  # BM25 terms in other languages
    # One set per question term: the term and the translations of the word it came from.
    concepts: list[set[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    position: int  # row of the chunk in the index
    score: float


class Retriever(Protocol):
    def search(self, query: Query, k: int, allowed: np.ndarray | None = None) -> list[Hit]: ...


def top_k(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[Hit]:
    """The ``k`` best positions of a dense score array, best first; masked rows excluded."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [Hit(int(i), float(scores[i])) for i in best]
