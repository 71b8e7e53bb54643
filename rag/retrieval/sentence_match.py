"""Re-ranking the first fused passages by their best sentence.

BM25 and the encoder score a passage as a whole: a paragraph that mentions a question's words
in three different sentences scores like one that holds them in one. An answer is usually
stated in a single sentence that holds the question's terms together (the question was
asked about that sentence), so the first fused passages of a partition are re-scored by the
IDF-weighted share of the question's concepts (a term with its translations) that their
best sentence holds, read from the sentence table built with the index: that share, raised
to ``sentence_share_power`` and times ``sentence_weight`` times the spread of the head's fused
scores, is added to their fused score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np

from rag.documents import Chunk
from rag.sentence_table import SentenceTable
from rag.types import Query, Scored, concept_weight


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

    def _concepts(
        self, query: Query, weighed_by: set[str] | None = None
    ) -> tuple[dict[int, int], np.ndarray]:
        """The question's concepts as (sentence-vocabulary id -> concept, concept weights):
        each concept weighs its rarest known term's IDF (that of its terms in ``weighed_by``
        where the index knows any); concepts no sentence holds go."""
        concept_of: dict[int, int] = {}
        weights: list[float] = []
        for concept in query.concepts:
            ids = [self._term_ids[t] for t in concept if t in self._term_ids]
            weight = concept_weight(concept, self.idf)
            if weighed_by is not None:
                # The own word's IDF where the index knows it; else its translations'.
                weight = concept_weight(concept & weighed_by, self.idf) or weight
            if not ids or weight <= 0:
                continue
            for term_id in ids:
                concept_of.setdefault(term_id, len(weights))
            weights.append(weight)
        return concept_of, np.asarray(weights, dtype=np.float64)

    def passage_coverage(self, query: Query, positions: Sequence[int]) -> np.ndarray:
        """For each passage, the share of the question's concepts held anywhere in it (by any
        of its sentences; 0 where the table has none for it), each concept weighed by the IDF
        of the question's own words in it: a translation into a language of few passages is
        rare in the whole index for that alone, and would weigh more than the word it
        translates."""
        return self._shares(query, positions, set(query.terms), whole_passage=True)

    def coverage(self, query: Query, positions: Sequence[int]) -> np.ndarray:
        """For each passage, the IDF-weighted share of the question's concepts held by its best
        sentence (0 where the table has no sentences for it)."""
        return self._shares(query, positions, None, whole_passage=False)

    def _shares(
        self,
        query: Query,
        positions: Sequence[int],
        weighed_by: set[str] | None,
        *,
        whole_passage: bool,
    ) -> np.ndarray:
        """The weighted share of the question's concepts that each passage holds: in all its
        sentences together (``whole_passage``) or in its best one."""
        out = np.zeros(len(positions), dtype=np.float64)
        concept_of, weights = self._concepts(query, weighed_by)
        total = float(weights.sum())
        if total <= 0:
            return out
        for row, position in enumerate(positions):
            chunk = self.chunks[position]
            if not self.table.has(chunk.article_id):
                continue
            sentences = self.table.sentence_terms(chunk.article_id, chunk.start, chunk.end)
            if whole_passage:
                groups = [{concept_of[t] for ids in sentences for t in ids if t in concept_of}]
            else:
                groups = [{concept_of[t] for t in ids if t in concept_of} for ids in sentences]
            best = max((float(weights[list(held)].sum()) for held in groups if held), default=0.0)
            out[row] = best / total
        return out

    def rerank(
        self, query: Query, fused: Scored, depth: int, weight: float, power: float = 1.0
    ) -> Scored:
        """``fused`` with its first ``depth`` passages re-scored by their best sentence: each
        gains ``weight`` times the spread (standard deviation) of the head's fused scores
        times its best sentence's share raised to ``power``."""
        if weight == 0 or depth == 0 or len(fused) < 2:
            return fused
        head = min(depth, len(fused))
        scores = fused.scores.copy()
        # In units of the head's own spread: how far apart fused scores lie depends on the
        # query (how many rankings agree, how sure each is), the evidence of a sentence does
        # not. The power lets a sentence holding every concept count far more than one
        # holding most, which paraphrased questions' passages often do.
        spread = float(scores[:head].std())
        bonus = self.coverage(query, fused.positions[:head].tolist()) ** power
        # Only raised, the head stays ahead of the rest: only its own order changes.
        scores[:head] += weight * spread * bonus
        return Scored(fused.positions, scores).best_first()
