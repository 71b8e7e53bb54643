"""Hybrid ranking: dense and BM25 candidates, fused, refined by one round of dense feedback."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rag.config import Settings
from rag.lexical.bm25 import BM25Retriever
from rag.retrieval.base import Hit, Query
from rag.retrieval.dense import DenseRetriever
from rag.retrieval.fusion import reciprocal_rank_fusion, zscore_fusion

METHODS = ("hybrid", "dense", "bm25")


@dataclass
class Ranking:
    """A final ranking with the per-retriever rankings it came from."""

    hits: list[Hit]
    dense: list[Hit]
    bm25: list[Hit]


class HybridRanker:
    def __init__(self, settings: Settings, dense: DenseRetriever, bm25: BM25Retriever) -> None:
        self.settings = settings
        self.dense = dense
        self.bm25 = bm25

    def fuse(self, dense: list[Hit], bm25: list[Hit]) -> list[Hit]:
        weights = [self.settings.dense_weight, self.settings.bm25_weight]
        if self.settings.fusion == "rrf":
            return reciprocal_rank_fusion([dense, bm25], weights, k=self.settings.rrf_k)
        # BM25 lists only passages sharing a term; the rest of its depth scores zero.
        return zscore_fusion(
            [dense, bm25], weights, depth=self.settings.candidates, pads=[None, 0.0]
        )

    def feedback_query(self, query: Query, fused: list[Hit]) -> Query | None:
        """The query moved towards the mean vector of the best fused passages (Rocchio)."""
        count = self.settings.feedback_passages
        if count == 0 or query.vector is None:
            return None
        centroid = self.dense.centroid([hit.position for hit in fused[:count]])
        if centroid is None:
            return None
        vector = query.vector + self.settings.feedback_weight * centroid
        return replace(query, vector=(vector / np.linalg.norm(vector)).astype(np.float32))

    def rank(self, query: Query, allowed: np.ndarray | None, method: str) -> Ranking:
        depth = self.settings.candidates
        dense = self.dense.search(query, depth, allowed) if method != "bm25" else []
        bm25 = self.bm25.search(query, depth, allowed) if method != "dense" else []
        if method == "dense":
            return Ranking(dense, dense, bm25)
        if method == "bm25":
            return Ranking(bm25, dense, bm25)
        fused = self.fuse(dense, bm25)
        expanded = self.feedback_query(query, fused)
        if expanded is not None:
            dense = self.dense.search(expanded, depth, allowed)
            fused = self.fuse(dense, bm25)
        return Ranking(fused, dense, bm25)
