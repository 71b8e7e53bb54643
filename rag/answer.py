"""Cited answers: passages with their article's metadata, offsets and best-matching sentences."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rag.lexical.analyzer import LexicalAnalyzer
from rag.question_type import AnswerKind
from rag.sentence_table import SentenceTable
from rag.sentences import sentence_spans

NOT_FOUND_MESSAGE = (
    "No passage in the indexed articles answers this question; the closest passages are "
    "listed for you to judge, and they may not answer it."
)
NOTHING_RETRIEVED_MESSAGE = "No passage in the indexed articles answers this question."
NO_CONTENT_MESSAGE = "The question has no words to search for."
OTHER_SCRIPT_MESSAGE = (
    "The question has no Korean or English words to search for: ask in Korean or English."
)


def found_message(
    passages: int, uncertain: bool, confidence: float, off_subject: bool = False
) -> str:
    if uncertain and off_subject:
        return (
            f"Found {passages} cited passages, but the question may be about something the "
            f"articles do not cover (confidence {confidence:.2f}): check them before relying "
            "on them."
        )
    if uncertain:
        return (
            f"Found {passages} cited passages, but they may not answer the question "
            f"(confidence {confidence:.2f}): check them before relying on them."
        )
    return f"Found {passages} cited passages."


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
    answer: Highlight | None = None  # the span the reader read as the answer, if it ran

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    found: bool
    message: str
    passages: list[Passage]
    confidence: float
    trace: list[dict[str, Any]] | None = None  # each stage's time and output, when asked
    # Found, but with a confidence under the caution threshold: the passages are cited, and
    # the person asking is told they may not answer.
    uncertain: bool = False
    # Words of the question taken for typing slips: word typed -> word searched (rag.spelling).
    corrections: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def touches(a: Passage, b: Passage, article_text: str) -> bool:
    """Same article, and the two spans overlap or meet (across whitespace only)."""
    if a.article_id != b.article_id:
        return False
    first, second = (a, b) if a.start <= b.start else (b, a)
    return second.start <= first.end or not article_text[first.end : second.start].strip()


def _normalized(text: str) -> str:
    return " ".join(text.split()).lower()


def _uncovered(candidate: Passage, chosen: Sequence[Passage], article_text: str) -> bool:
    """Trim ``candidate`` to its longest stretch that no chosen passage of its article quotes;
    False when nothing but whitespace is left."""
    pieces = [(candidate.start, candidate.end)]
    for passage in chosen:
        if passage.article_id != candidate.article_id:
            continue
        pieces = [
            piece
            for start, end in pieces
            for piece in ((start, min(end, passage.start)), (max(start, passage.end), end))
            if piece[1] > piece[0]
        ]
    start, end = max(pieces, key=lambda piece: piece[1] - piece[0], default=(0, 0))
    text = article_text[start:end]
    if not text.strip():
        return False
    candidate.start = start + len(text) - len(text.lstrip())
    candidate.end = end - (len(text) - len(text.rstrip()))
    candidate.text = article_text[candidate.start : candidate.end]
    return True


def add_passage(
    chosen: list[Passage], candidate: Passage, article_text: str, *, max_chars: int
) -> bool:
    """Add ``candidate`` to ``chosen`` without repeating text; True if the list grew.

    A chunk that overlaps or meets a chosen passage of its article (chunks overlap by design)
    widens that passage to cover both, instead of quoting the shared sentences twice. Where
    the joint would grow beyond ``max_chars``, the chunk is cited on its own with the text it
    shares cut off: a long article's answer sentence must not be lost because its neighbour
    was cited first. A chunk whose text equals a chosen passage's (a copy in another article)
    is dropped.
    """
    for passage in chosen:
        if touches(passage, candidate, article_text):
            if max(passage.end, candidate.end) - min(passage.start, candidate.start) > max_chars:
                if not _uncovered(candidate, chosen, article_text):
                    return False
                break
            passage.start = min(passage.start, candidate.start)
            passage.end = max(passage.end, candidate.end)
            passage.score = max(passage.score, candidate.score)
            # The wider passage may now reach another one of the same article: join them.
            joined = [
                p
                for p in chosen
                if p is not passage
                and touches(p, passage, article_text)
                and max(p.end, passage.end) - min(p.start, passage.start) <= max_chars
            ]
            for other in joined:
                passage.start = min(passage.start, other.start)
                passage.end = max(passage.end, other.end)
                passage.score = max(passage.score, other.score)
                chosen.remove(other)
            passage.text = article_text[passage.start : passage.end]
            return False
    key = _normalized(candidate.text)
    if any(_normalized(p.text) == key for p in chosen):
        return False
    chosen.append(candidate)
    return True


class SentenceHighlighter:
    """Picks the sentences of a passage that best match the question.

    Sentences are scored by the IDF-weighted share of the question's terms they contain; where
    no sentence shares a term with the question (a question in the other language), the
    sentences' embeddings decide. With a ``table`` the sentences and their terms come from the
    index; only a sentence that a passage cuts is analysed on the request.
    """

    def __init__(
        self,
        analyzer: LexicalAnalyzer,
        idf: dict[str, float],
        encoder: Any,
        table: SentenceTable | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.idf = idf
        self.encoder = encoder
        self.table = table

    def _sentences(self, passage: Passage) -> tuple[list[tuple[int, int]], list[list[str] | None]]:
        """Sentence spans of a passage (offsets in its text) and their terms where known."""
        if self.table is None or not self.table.has(passage.article_id):
            spans = sentence_spans(passage.text)
            return spans, [None] * len(spans)
        found = self.table.sentences(passage.article_id, passage.start, passage.end)
        spans = [(s.start - passage.start, s.end - passage.start) for s in found]
        return spans, [s.terms for s in found]

    def highlight(
        self,
        passages: Sequence[Passage],
        query_terms: Sequence[str],
        query_vector: np.ndarray | None,
        count: int,
        *,
        number_bonus: float = 0.0,
        focus: Collection[str] = (),
        focus_bonus: float = 0.0,
        dense_limit: int = 0,
        kind: AnswerKind | None = None,
        kind_bonus: float = 0.0,
    ) -> None:
        """Set each passage's ``count`` best sentences as its highlights. ``number_bonus`` is
        added to the score of sentences with a digit (for a question asking for a number),
        ``kind_bonus`` to that of sentences stating the ``kind`` of quantity the question
        asks for (a share, money, a date, a change, a measure, a count), both only where a sentence
        shares a term with the question; the terms in ``focus`` (what the question asks for) weigh
        ``1 + focus_bonus`` times their IDF. When no sentence shares a term, embeddings
        decide among at most ``dense_limit`` sentences (0: never)."""
        spans: list[list[tuple[int, int]]] = []
        terms: list[list[str] | None] = []
        for passage in passages:
            passage_spans, passage_terms = self._sentences(passage)
            spans.append(passage_spans)
            terms += passage_terms
        sentences = [p.text[s:e] for p, ss in zip(passages, spans, strict=True) for s, e in ss]
        if not sentences:
            return
        unknown = [i for i, found in enumerate(terms) if found is None]
        for i, analysed in zip(
            unknown, self.analyzer.terms_batch([sentences[i] for i in unknown]), strict=True
        ):
            terms[i] = analysed
        weights = {
            t: self.idf.get(t, 0.0) * (1 + focus_bonus if t in focus else 1.0)
            for t in set(query_terms)
        }
        total = sum(weights.values()) or 1.0
        lexical = np.array(
            [sum(weights.get(t, 0.0) for t in set(found or ())) / total for found in terms],
            dtype=np.float32,
        )
        if number_bonus:
            digits = np.array([any(map(str.isdigit, s)) for s in sentences], dtype=np.float32)
            lexical = lexical + number_bonus * digits * (lexical > 0)
        if kind is not None and kind_bonus:
            stated = np.array([bool(kind.stated.search(s)) for s in sentences], dtype=np.float32)
            lexical = lexical + kind_bonus * stated * (lexical > 0)
        scores = lexical
        if query_vector is not None and not lexical.any() and len(sentences) <= dense_limit:
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
