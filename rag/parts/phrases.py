"""Phrase ranking: BM25 over pairs of neighbouring terms (``rag.lexical.phrases``), for the
question's language; it weighs by how far its best passage stands out among those sharing a
pair."""

from __future__ import annotations

import numpy as np

from rag.config import QueryParams
from rag.lexical.bm25 import BM25Retriever
from rag.lexical.phrases import phrase_rows, phrase_terms
from rag.lexical.term_rows import TermRows
from rag.parts.base import BuildContext
from rag.parts.bm25 import BM25IndexPart
from rag.types import Query


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


class PhrasesPart(BM25IndexPart[PhraseRanking]):
    name = "phrases"
    fused = True
    retriever = PhraseRanking

    def terms(self, context: BuildContext) -> TermRows:
        return phrase_rows(context.passage_terms)
