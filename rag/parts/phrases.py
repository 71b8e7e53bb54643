"""Phrase ranking: BM25 over pairs of neighbouring terms (``rag.lexical.phrases``), for the
question's language; it weighs by how far its best passage stands out among those sharing a
pair."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag.config import QueryParams, Settings
from rag.lexical.bm25 import BM25Retriever, build_bm25, load_bm25
from rag.lexical.phrases import phrase_terms
from rag.parts.base import BuildContext, IndexPart, LoadContext
from rag.parts.bm25 import bm25_params
from rag.types import Query, Scored


class PhraseRanking(BM25Retriever):
    name = "phrases"
    # Not padded: most passages share no pair with a question, and against a floor of zeros
    # any passage sharing one would stand out, however common the pair.
    pad: float | None = None
    own_language_only = True  # a question's pairs of terms are pairs of its own language

    def query_terms(self, query: Query) -> list[str]:
        return phrase_terms(query.terms)

    def query_scores(self, query: Query) -> np.ndarray:
        return self.scores(self.query_terms(query))

    def weight(self, params: QueryParams) -> float:
        return params.phrase_weight

    def prepare(self, query: Query, params: QueryParams) -> np.ndarray | None:
        """Scores of every passage, once for all partitions; None when off or the question
        has no pair of terms."""
        if self.weight(params) == 0 or not self.query_terms(query):
            return None
        return self.query_scores(query)

    def search_prepared(
        self, query: Query, k: int, allowed: np.ndarray | None, prepared: Any
    ) -> Scored:
        return self.search(query, k, allowed, scores=prepared)


class PhrasesPart(IndexPart[PhraseRanking]):
    name = "phrases"
    fused = True

    def params(self, settings: Settings) -> dict[str, Any]:
        return bm25_params(settings)

    def build(self, context: BuildContext, params: dict[str, Any]) -> PhraseRanking:
        terms = [phrase_terms(passage_terms) for passage_terms in context.passage_terms]
        return PhraseRanking(build_bm25(terms, k1=params["bm25_k1"], b=params["bm25_b"]))

    def save(self, built: PhraseRanking, folder: Path) -> None:
        built.model.save(str(folder), show_progress=False)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> PhraseRanking:
        return PhraseRanking(load_bm25(folder))

    def rows(self, built: PhraseRanking) -> int:
        return built.size
