"""Syllable ranking: BM25 over Hangul syllable bigrams (``rag.lexical.syllables``), for
questions in Korean. It matches names the morpheme analyzer splits differently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag.config import QueryParams, Settings
from rag.lexical.bm25 import BM25Retriever, build_bm25, load_bm25
from rag.lexical.syllables import syllable_terms
from rag.parts.base import BuildContext, IndexPart, LoadContext
from rag.parts.bm25 import bm25_params
from rag.types import Query, Scored


class SyllableRanking(BM25Retriever):
    name = "syllables"
    pad: float | None = 0.0  # like BM25's, its unlisted passages score zero
    own_language_only = True  # there for the analyzer's Korean mistakes, not English numbers

    def query_terms(self, query: Query) -> list[str]:
        """Bigrams of the question's words that hold a content morpheme (Korean only)."""
        return syllable_terms(" ".join(query.words)) if query.words else []

    def query_scores(self, query: Query) -> np.ndarray:
        return self.scores(self.query_terms(query))

    def weight(self, params: QueryParams) -> float:
        return params.syllable_weight

    def prepare(self, query: Query, params: QueryParams) -> np.ndarray | None:
        """Scores of every passage, once for all partitions; None when off or the question
        has no Korean."""
        if self.weight(params) == 0 or not query.words:
            return None
        return self.query_scores(query)

    def search_prepared(
        self, query: Query, k: int, allowed: np.ndarray | None, prepared: Any
    ) -> Scored:
        return self.search(query, k, allowed, scores=prepared)


class SyllablesPart(IndexPart[SyllableRanking]):
    name = "syllables"
    fused = True

    def params(self, settings: Settings) -> dict[str, Any]:
        return bm25_params(settings)

    def build(self, context: BuildContext, params: dict[str, Any]) -> SyllableRanking:
        terms = [syllable_terms(passage) for passage in context.passages]
        return SyllableRanking(build_bm25(terms, k1=params["bm25_k1"], b=params["bm25_b"]))

    def save(self, built: SyllableRanking, folder: Path) -> None:
        built.model.save(str(folder), show_progress=False)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> SyllableRanking:
        return SyllableRanking(load_bm25(folder))

    def rows(self, built: SyllableRanking) -> int:
        return built.size
