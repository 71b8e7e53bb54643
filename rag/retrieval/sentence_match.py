"""Re-ranking the first fused passages by their best sentence.

BM25 and the encoder score a passage as a whole: a paragraph that mentions a question's words
in three different sentences scores like one that holds them in one. An answer is usually
stated in a single sentence that holds the question's terms together (the question was
asked about that sentence), so the first fused passages of a partition are re-scored by the
IDF-weighted share of the question's concepts (a term with its translations) that their
best sentence holds, read from the sentence table built with the index, and that share,
times ``sentence_weight``, is added to their fused score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np

from rag.documents import Chunk
from rag.retrieval.base import Query, Scored, concept_weight
from rag.sentence_table import SentenceTable


class SentenceMatcher:
    def __init__(
        self, table: SentenceTable, chunks: Sequence[Chunk], idf: Mapping[str, float]
    ) -> None:
        self.table = table
        self.chunks = chunks
        self.idf = idf

    @cached_property
    def _term_ids(self) -> dict[str, int]:
        return {term: row for row, term in enumerate(self.table.vocabulary)}

    def _concepts(self, query: Query) -> tuple[dict[int, int], np.ndarray]:
        """The question's concepts as (sentence-vocabulary id -> concept, concept weights):
        each concept weighs its rarest known term's IDF; concepts no sentence holds go."""
        concept_of: dict[int, int] = {}
        weights: list[float] = []
        for concept in query.concepts:
            ids = [self._term_ids[t] for t in concept if t in self._term_ids]
            weight = concept_weight(concept, self.idf)
            if not ids or weight <= 0:
                continue
            for term_id in ids:
                concept_of.setdefault(term_id, len(weights))
            weights.append(weight)
        return concept_of, np.asarray(weights, dtype=np.float64)

    def coverage(self, query: Query, positions: Sequence[int]) -> np.ndarray:
        """For each passage, the IDF-weighted share of the question's concepts held by its best
        sentence (0 where the table has no sentences for it)."""
        out = np.zeros(len(positions), dtype=np.float64)
        concept_of, weights = self._concepts(query)
        total = float(weights.sum())
        if total <= 0:
            return out
        for row, position in enumerate(positions):
            chunk = self.chunks[position]
            if not self.table.has(chunk.article_id):
                continue
            best = 0.0
            for term_ids in self.table.sentence_terms(chunk.article_id, chunk.start, chunk.end):
                held = {concept_of[t] for t in term_ids if t in concept_of}
                if held:
                    best = max(best, float(weights[list(held)].sum()))
            out[row] = best / total
        return out

    def rerank(self, query: Query, fused: Scored, depth: int, weight: float) -> Scored:
        """``fused`` with its first ``depth`` passages re-scored by their best sentence."""
        if weight == 0 or depth == 0 or not len(fused):
            return fused
        head = min(depth, len(fused))
        scores = fused.scores.copy()
        # Only raised, the head stays ahead of the rest: only its own order changes.
        scores[:head] += weight * self.coverage(query, fused.positions[:head].tolist())
        return Scored(fused.positions, scores).best_first()
