"""The sentences of the indexed articles with their BM25 terms, analysed once at build time.

Quoting the best sentence of each cited passage needs the terms of every sentence of the top
passages; analysing them on every request (kiwipiepy for Korean) cost about as much as ranking.
The table keeps, per article, its sentence spans (offsets in the cleaned text) and the distinct
terms of each, as flat arrays that load in one read.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.documents import Article
from rag.lexical.analyzer import TermAnalyzer
from rag.sentences import sentence_spans

ARRAYS = ("article_ids", "article_ptr", "starts", "ends", "term_ptr", "term_ids", "vocabulary")


@dataclass(frozen=True)
class SentenceSpan:
    start: int  # offsets in the article's cleaned text
    end: int
    terms: list[str] | None  # None: the span cuts a sentence, whose terms are not the span's


class SentenceTable:
    def __init__(
        self,
        article_ids: Sequence[str],
        article_ptr: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        term_ptr: np.ndarray,
        term_ids: np.ndarray,
        vocabulary: Sequence[str],
    ) -> None:
        if not (
            len(article_ptr) == len(article_ids) + 1
            and len(starts) == len(ends) == len(term_ptr) - 1 == int(article_ptr[-1])
            and len(term_ids) == int(term_ptr[-1])
        ):
            raise ValueError("sentence table arrays do not fit together")
        self.article_ids = list(article_ids)
        self._row_of = {article_id: row for row, article_id in enumerate(self.article_ids)}
        self.article_ptr = article_ptr
        self.starts = starts
        self.ends = ends
        self.term_ptr = term_ptr
        self.term_ids = term_ids
        self.vocabulary = list(vocabulary)

    @classmethod
    def build(
        cls,
        articles: Sequence[Article],
        analyzer: TermAnalyzer,
        *,
        batch_size: int = 256,
        on_articles: Callable[[int], object] | None = None,
    ) -> SentenceTable:
        """Split and analyse every article's sentences (``on_articles``: progress callback)."""
        # Typed arrays, not lists: a Python int costs 36 bytes, and a big corpus has tens of
        # millions of sentence terms.
        article_ptr, term_ptr = array("q", [0]), array("q", [0])
        starts, ends = array("q"), array("q")
        term_ids = array("i")
        vocabulary: dict[str, int] = {}
        for begin in range(0, len(articles), batch_size):
            batch = articles[begin : begin + batch_size]
            spans = [sentence_spans(article.text) for article in batch]
            texts = [a.text[s:e] for a, found in zip(batch, spans, strict=True) for s, e in found]
            analysed = iter(analyzer.terms_batch(texts))
            for found in spans:
                for start, end in found:
                    terms = dict.fromkeys(next(analysed))
                    starts.append(start)
                    ends.append(end)
                    term_ids.extend(vocabulary.setdefault(t, len(vocabulary)) for t in terms)
                    term_ptr.append(len(term_ids))
                article_ptr.append(len(starts))
            if on_articles is not None:
                on_articles(len(batch))
        return cls(
            [article.id for article in articles],
            np.asarray(article_ptr, dtype=np.int64),
            np.asarray(starts, dtype=np.int64),
            np.asarray(ends, dtype=np.int64),
            np.asarray(term_ptr, dtype=np.int64),
            np.asarray(term_ids, dtype=np.int32),
            list(vocabulary),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays; string lists as UTF-8 JSON bytes (they load without pickle, and one
        long term does not widen every row as a fixed-width unicode array would)."""
        return {
            "article_ids": _string_array(self.article_ids),
            "article_ptr": self.article_ptr,
            "starts": self.starts,
            "ends": self.ends,
            "term_ptr": self.term_ptr,
            "term_ids": self.term_ids,
            "vocabulary": _string_array(self.vocabulary),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> SentenceTable:
        return cls(
            _strings(arrays["article_ids"]),
            arrays["article_ptr"],
            arrays["starts"],
            arrays["ends"],
            arrays["term_ptr"],
            arrays["term_ids"],
            _strings(arrays["vocabulary"]),
        )

    def has(self, article_id: str) -> bool:
        return article_id in self._row_of

    def _overlapping(self, article_id: str, start: int, end: int) -> range:
        """Rows of the sentences of an article that overlap ``[start, end)``."""
        row = self._row_of[article_id]
        first, last = int(self.article_ptr[row]), int(self.article_ptr[row + 1])
        starts, ends = self.starts[first:last], self.ends[first:last]
        # Sentences are in text order: those ending after ``start`` up to the first one
        # beginning at or after ``end``.
        low = int(np.searchsorted(ends, start, side="right"))
        high = int(np.searchsorted(starts, end, side="left"))
        return range(first + low, first + high)

    def sentence_terms(self, article_id: str, start: int, end: int) -> list[list[int]]:
        """Term ids (into ``vocabulary``) of each sentence overlapping ``[start, end)``; a
        sentence the span cuts is read whole."""
        ptr = self.term_ptr
        return [
            self.term_ids[ptr[i] : ptr[i + 1]].tolist()
            for i in self._overlapping(article_id, start, end)
        ]

    def sentences(self, article_id: str, start: int, end: int) -> list[SentenceSpan]:
        """The sentences of an article that overlap ``[start, end)``, cut to it."""
        spans = []
        for i in self._overlapping(article_id, start, end):
            s, e = max(int(self.starts[i]), start), min(int(self.ends[i]), end)
            if e <= s:
                continue
            whole = s == int(self.starts[i]) and e == int(self.ends[i])
            ids = self.term_ids[self.term_ptr[i] : self.term_ptr[i + 1]].tolist()
            spans.append(SentenceSpan(s, e, [self.vocabulary[t] for t in ids] if whole else None))
        return spans


def _string_array(strings: Sequence[str]) -> np.ndarray:
    return np.frombuffer(json.dumps(list(strings), ensure_ascii=False).encode(), dtype=np.uint8)


def _strings(array: np.ndarray) -> list[str]:
    strings = json.loads(array.tobytes().decode())
    if not isinstance(strings, list) or not all(isinstance(s, str) for s in strings):
        raise ValueError("sentence table strings are not a list of strings")
    return strings
