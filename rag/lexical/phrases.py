"""Phrase terms for a third BM25: each pair of neighbouring analyzer terms.

Unigram BM25 cannot tell apart two passages that share a question's words, such as sibling
pages of one report or paragraphs of one encyclopedia entry: both hold 평양, 개최 and 1989. A
question written from, or about, one of them tends to repeat its word pairs (평양 개최, "insulin
price"), and a pair is far rarer than either word. Pairs are made of the BM25 terms in text
order (stop words, particles and endings already dropped), so 평양에서 개최된 and 평양 개최 give
the same pair.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from rag.lexical.term_rows import EMPTY_TERM, TermRows

# Rows paired at once: a block's pairs take about 40 bytes each while it is numbered.
BLOCK_ROWS = 2048

# Joins a pair's two terms; analyzer terms hold no spaces.
PAIR_SEPARATOR = " "


def phrase_terms(terms: Sequence[str]) -> list[str]:
    """Every pair of neighbouring terms, as one term each."""
    return [f"{first}{PAIR_SEPARATOR}{second}" for first, second in pairwise(terms)]


def phrase_rows(rows: TermRows) -> TermRows:
    """``TermRows.of(phrase_terms(row) for row in rows)``, computed on term ids a block of
    rows at a time: each pair's string is made once, for the vocabulary, and what is held
    beyond a block is one id a pair."""
    words = rows.words
    ids, ends = rows.flat_ids, rows.ends
    vocabulary = _PairVocabulary(words)
    phrase_ids, phrase_ends, written = array("i"), array("q"), 0
    for first in range(0, len(ends), BLOCK_ROWS):
        last = min(first + BLOCK_ROWS, len(ends))
        start = int(ends[first - 1]) if first else 0
        block = ids[start : int(ends[last - 1])].astype(np.int64)
        row_ends = ends[first:last] - start
        lengths = np.diff(row_ends, prepend=0)
        pairs_per_row = np.maximum(lengths - 1, 0)
        # Neighbouring ids within a row: each row's last id starts no pair.
        starts_pair = np.ones(len(block), dtype=bool)
        starts_pair[row_ends - 1] = False
        keys = block[starts_pair] * len(words) + np.roll(block, -1)[starts_pair]
        # A row without a pair holds the empty term, written as key -1 where it stands.
        out_lengths = np.maximum(pairs_per_row, 1)
        out_ends = np.cumsum(out_lengths)
        sequence = np.full(int(out_ends[-1]), -1, dtype=np.int64)
        pair_rows = np.repeat(np.arange(len(lengths)), pairs_per_row)
        pair_starts = np.cumsum(pairs_per_row) - pairs_per_row
        within = np.arange(len(keys)) - pair_starts[pair_rows]
        sequence[(out_ends - out_lengths)[pair_rows] + within] = keys
        phrase_ids.frombytes(vocabulary.ids(sequence).astype(np.intc).tobytes())
        phrase_ends.frombytes((out_ends + written).astype(np.int64).tobytes())
        written += int(out_ends[-1])
    return TermRows.from_arrays(
        vocabulary.words,
        np.frombuffer(phrase_ids, dtype=np.intc) if phrase_ids else np.zeros(0, np.intc),
        np.frombuffer(phrase_ends, dtype=np.int64) if phrase_ends else np.zeros(0, np.int64),
    )


class _PairVocabulary:
    """Ids of pair keys (``first * len(words) + second``; -1 for the empty term) in order of
    first occurrence, as appending rows one by one numbers their terms."""

    def __init__(self, words: list[str]) -> None:
        self._terms = words
        self.words: list[str] = []
        self._keys = np.zeros(0, dtype=np.int64)  # sorted
        self._ids = np.zeros(0, dtype=np.int64)  # the id of each of ``_keys``

    def ids(self, sequence: np.ndarray) -> np.ndarray:
        distinct, first_at, inverse = np.unique(sequence, return_index=True, return_inverse=True)
        at = np.searchsorted(self._keys, distinct)
        known = at < len(self._keys)
        known[known] = self._keys[at[known]] == distinct[known]
        distinct_ids = np.empty(len(distinct), dtype=np.int64)
        distinct_ids[known] = self._ids[at[known]]
        new = np.flatnonzero(~known)
        new = new[np.argsort(first_at[new], kind="stable")]
        distinct_ids[new] = np.arange(len(self.words), len(self.words) + len(new))
        size = len(self._terms)
        self.words.extend(
            EMPTY_TERM
            if key < 0
            else f"{self._terms[key // size]}{PAIR_SEPARATOR}{self._terms[key % size]}"
            for key in distinct[new].tolist()
        )
        added = np.sort(new)  # ``distinct`` is sorted: inserting in its order keeps ``_keys`` so
        self._keys = np.insert(self._keys, at[added], distinct[added])
        self._ids = np.insert(self._ids, at[added], distinct_ids[added])
        block_ids: np.ndarray = distinct_ids[inverse.reshape(-1)]
        return block_ids
