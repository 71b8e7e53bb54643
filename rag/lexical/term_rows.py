"""The terms of many passages in a few bytes a term: what a build's BM25 parts index.

Lists of strings cost about 60 bytes a term (a string object and a pointer each); a build of
100k passages of 200 terms would hold over a gigabyte of them, several times over while one
part is made from another's terms. :class:`TermRows` holds one array of term ids with the
end of each row and a vocabulary, and gives back each row's terms (or their ids) on demand,
and all of them as flat arrays, which ``rag.lexical.bm25_matrix`` indexes.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import overload

import numpy as np

# bm25s needs at least one term a document: a row without terms holds the empty term.
EMPTY_TERM = ""


class TermRows(Sequence[list[str]]):
    """Rows of terms, appended one row at a time; ``vocab`` maps each term to its id."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._words: list[str] = []
        self._ids = array("i")
        self._ends = array("q")

    @classmethod
    def of(cls, rows: Iterable[Iterable[str]]) -> TermRows:
        built = cls()
        for terms in rows:
            built.append(terms)
        return built

    @classmethod
    def from_arrays(cls, words: list[str], ids: np.ndarray, ends: np.ndarray) -> TermRows:
        """Rows of the term ids ``ids`` (indices into ``words``, each word once) ending at
        ``ends``, as if appended row by row."""
        built = cls()
        built._words = words
        built.vocab = {word: i for i, word in enumerate(words)}
        built._ids.frombytes(np.ascontiguousarray(ids, dtype=np.intc).tobytes())
        built._ends.frombytes(np.ascontiguousarray(ends, dtype=np.int64).tobytes())
        return built

    def append(self, terms: Iterable[str]) -> None:
        start = len(self._ids)
        for term in terms:
            self._ids.append(self._id(term))
        if len(self._ids) == start:
            self._ids.append(self._id(EMPTY_TERM))
        self._ends.append(len(self._ids))

    def _id(self, term: str) -> int:
        found = self.vocab.get(term)
        if found is None:
            found = self.vocab[term] = len(self._words)
            self._words.append(term)
        return found

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, index: int) -> list[str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[str]]: ...

    def __getitem__(self, index: int | slice) -> list[str] | list[list[str]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return [self._words[i] for i in self.row_ids(index)]

    def row_ids(self, index: int) -> list[int]:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"row {index} of {len(self)}")
        start = self._ends[index - 1] if index else 0
        return self._ids[start : self._ends[index]].tolist()

    @property
    def words(self) -> list[str]:
        """Every term, at its id."""
        return self._words

    @property
    def flat_ids(self) -> np.ndarray:
        """Every row's term ids, one row after the other (a view, not a copy)."""
        return np.frombuffer(self._ids, dtype=np.intc) if self._ids else np.zeros(0, np.intc)

    @property
    def ends(self) -> np.ndarray:
        """Where each row ends in :attr:`flat_ids` (a view, not a copy)."""
        return np.frombuffer(self._ends, dtype=np.int64) if self._ends else np.zeros(0, np.int64)


def term_rows(rows: Iterable[Sequence[str]] | TermRows) -> TermRows:
    """``rows`` as :class:`TermRows` (as they are when they already are)."""
    return rows if isinstance(rows, TermRows) else TermRows.of(rows)
