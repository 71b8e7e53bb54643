"""BM25 over analyzer terms, with bm25s doing the scoring."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag.lexical.bm25_matrix import bm25_model
from rag.lexical.term_rows import TermRows, term_rows
from rag.types import Query, Scored, best_of


def build_bm25(corpus_terms: Iterable[Sequence[str]] | TermRows, *, k1: float, b: float) -> Any:
    """A bm25s index of each passage's terms (an empty passage gets a placeholder term), its
    matrix computed with numpy (``rag.lexical.bm25_matrix``: the same as bm25s's ``index``)."""
    return bm25_model(term_rows(corpus_terms), k1=k1, b=b)


def load_bm25(folder: Path) -> Any:
    import bm25s

    model = bm25s.BM25.load(str(folder), load_vocab=True)
    # A set of every term id as Python ints (about 60 bytes a term: megabytes for a phrase
    # vocabulary), read only by bm25s's ``retrieve`` of term ids, which nothing here calls.
    model.unique_token_ids_set = None
    return model


class BM25Retriever:
    def __init__(self, model: Any) -> None:
        self.model = model
        self.vocabulary: dict[str, int] = model.vocab_dict
        # Column-compressed term-document matrix: the passages holding a term, sorted.
        self._indptr = np.asarray(model.scores["indptr"])
        self._indices = np.asarray(model.scores["indices"])

    @property
    def size(self) -> int:
        """Passages indexed."""
        return int(self.model.scores["num_docs"])

    @cached_property
    def idf(self) -> dict[str, float]:
        """IDF of every indexed term (highlighting, abstention, translation choices)."""
        return inverse_document_frequencies(self.model)

    def _postings(self, term: str) -> np.ndarray:
        """Sorted positions of the passages holding ``term`` (empty for an unknown term)."""
        column = self.vocabulary.get(term)
        if column is None:
            return self._indices[:0]
        postings: np.ndarray = self._indices[self._indptr[column] : self._indptr[column + 1]]
        return postings

    def contains(self, term: str, position: int) -> bool:
        """Whether the indexed passage at ``position`` holds ``term``."""
        postings = self._postings(term)
        found = int(np.searchsorted(postings, position))
        return found < len(postings) and int(postings[found]) == position

    def held(self, term: str, allowed: np.ndarray | None = None) -> bool:
        """Whether any passage (any ``allowed`` one) holds ``term``."""
        postings = self._postings(term)
        return len(postings) > 0 if allowed is None else bool(allowed[postings].any())

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        known = [t for t in terms if t in self.vocabulary]
        if not known:
            return np.zeros(self.model.scores["num_docs"], dtype=np.float32)
        return np.asarray(self.model.get_scores(known), dtype=np.float32)

    def query_scores(self, query: Query) -> np.ndarray:
        """Scores of every passage for a query's terms and their translations."""
        return self.scores([*query.terms, *query.translations])

    def search(
        self,
        query: Query,
        k: int,
        allowed: np.ndarray | None = None,
        *,
        scores: np.ndarray | None = None,
    ) -> Scored:
        """The ``k`` best passages sharing a term with the query; ``scores``: the query's
        scores if already computed (one query ranked over several partitions)."""
        scores = self.query_scores(query) if scores is None else scores
        # Only the passages sharing a term: few of a large archive's, and the k best among
        # them, ties by position, are found without passes over every passage's score.
        sharing = scores > 0
        if allowed is not None:
            sharing &= allowed
        rows = np.flatnonzero(sharing)
        return best_of(rows, scores[rows], k)

    def search_prepared(
        self, query: Query, k: int, allowed: np.ndarray | None, prepared: Any
    ) -> Scored:
        """:meth:`search` with the scores a fused ranking prepared (``FusedRanking``)."""
        return self.search(query, k, allowed, scores=prepared)


def inverse_document_frequencies(model: Any) -> dict[str, float]:
    """Lucene's BM25 IDF of every term of a bm25s index."""
    indptr = np.asarray(model.scores["indptr"])
    documents = int(model.scores["num_docs"])
    frequency = np.diff(indptr)
    idf = np.log1p((documents - frequency + 0.5) / (frequency + 0.5))
    return {term: float(idf[column]) for term, column in model.vocab_dict.items() if term}
