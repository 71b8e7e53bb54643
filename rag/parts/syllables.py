"""Syllable ranking: BM25 over Hangul syllable bigrams (``rag.lexical.syllables``), for
questions in Korean. It matches names the morpheme analyzer splits differently."""

from __future__ import annotations

import numpy as np

from rag.config import QueryParams
from rag.lexical.bm25 import BM25Retriever
from rag.lexical.syllables import syllable_terms
from rag.lexical.term_rows import TermRows
from rag.parts.base import BuildContext
from rag.parts.bm25 import BM25IndexPart
from rag.types import Query


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


class SyllablesPart(BM25IndexPart[SyllableRanking]):
    name = "syllables"
    fused = True
    retriever = SyllableRanking

    def terms(self, context: BuildContext) -> TermRows:
        return TermRows.of(syllable_terms(passage) for passage in context.passages)
