"""Cited answers: passages with their article's metadata, offsets and best-matching sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rag.lexical.analyzer import LexicalAnalyzer
from rag.sentences import sentence_spans

NOT_FOUND_MESSAGE = "No passage in the indexed articles answers this question."


@dataclass
class Highlight:
    text: str
    start: int  # offsets in the cleaned article text
    end: int


@dataclass
class Passage:
    citation: int
    article_id: str
    chunk_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    lang: str
    start: int
    end: int
    text: str
    score: float
    highlights: list[Highlight] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    found: bool
    message: str
    passages: list[Passage]
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def overlaps(a: Passage, b: Passage) -> bool:
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end


def _normalized(text: str) -> str:
    return " ".join(text.split()).lower()


def is_repeat(candidate: Passage, chosen: Sequence[Passage]) -> bool:
    """True when ``candidate`` repeats text already returned (an overlapping or equal chunk)."""
    key = _normalized(candidate.text)
    return any(overlaps(candidate, p) or _normalized(p.text) == key for p in chosen)


class SentenceHighlighter:
    """Picks the sentences of a passage that best match the question.

    Sentences are scored by the IDF-weighted share of the question's terms they contain; where
    no sentence shares a term with the question (a question in the other language), the
    sentences' embeddings decide.
    """

    def __init__(
        self, analyzer: LexicalAnalyzer, idf: dict[str, float], encoder: Any, dense_limit: int
    ) -> None:
        self.dense_limit = dense_limit
        self.analyzer = analyzer
        self.idf = idf
        self.encoder = encoder

    def highlight(
        self,
        passages: Sequence[Passage],
        query_terms: Sequence[str],
        query_vector: np.ndarray | None,
        count: int,
    ) -> None:
        spans = [sentence_spans(p.text) for p in passages]
        sentences = [p.text[s:e] for p, ss in zip(passages, spans, strict=True) for s, e in ss]
        if not sentences:
            return
        weights = {t: self.idf.get(t, 0.0) for t in set(query_terms)}
        total = sum(weights.values()) or 1.0
        lexical = np.array(
            [
                sum(weights.get(t, 0.0) for t in set(terms)) / total
                for terms in self.analyzer.terms_batch(sentences)
            ],
            dtype=np.float32,
        )
        scores = lexical
        if query_vector is not None and not lexical.any() and len(sentences) <= self.dense_limit:
            # No shared term (e.g. a question in the other language): let embeddings decide.
            scores = self.encoder.encode_passages(sentences) @ query_vector
        row = 0
        for passage, passage_spans in zip(passages, spans, strict=True):
            own = scores[row : row + len(passage_spans)]
            row += len(passage_spans)
            best = sorted(np.argsort(-own, kind="stable")[:count])
            passage.highlights = [
                Highlight(passage.text[s:e], passage.start + s, passage.start + e)
                for s, e in (passage_spans[i] for i in best)
            ]
