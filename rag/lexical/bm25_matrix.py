"""BM25's term-passage score matrix computed with numpy from term ids, as bm25s computes it.

bm25s's own ``index`` counts each passage's terms with a ``Counter``, keeps document
frequencies in a dictionary of Python ints, a set of every term id and a list of lists of ids
per passage: on a build's phrase vocabulary (millions of pairs) these held several times the
matrix itself. Here the term ids of a block of passages are counted at once with
``np.unique`` and written into place: the same floats (Lucene's BM25, bm25s's default) in the
same compressed-column layout, which bm25s then saves, loads and scores with.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from rag.lexical.term_rows import EMPTY_TERM, TermRows

# Passages counted at once: a block's keys take 8 bytes a term, its counts less.
BLOCK_ROWS = 2048


def lucene_idf(frequencies: np.ndarray, documents: int) -> np.ndarray:
    """Lucene's IDF of each document frequency, float32, 0 where the frequency is 0; computed
    with Python's ``math.log`` once per distinct frequency, as bm25s does it per term."""
    distinct, inverse = np.unique(frequencies, return_inverse=True)
    values = np.array(
        [
            math.log(1 + (documents - int(df) + 0.5) / (int(df) + 0.5)) if df else 0.0
            for df in distinct
        ],
        dtype=np.float32,
    )
    idf: np.ndarray = values[inverse.reshape(-1)]
    return idf


def _blocks(
    ids: np.ndarray, ends: np.ndarray, vocabulary_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(passage, term, count) of every distinct term of each block of passages, by passage
    then term."""
    for first in range(0, len(ends), BLOCK_ROWS):
        last = min(first + BLOCK_ROWS, len(ends))
        start = int(ends[first - 1]) if first else 0
        lengths = np.diff(ends[first:last], prepend=start)
        local = np.repeat(np.arange(last - first, dtype=np.int64), lengths)
        keys = local * vocabulary_size + ids[start : int(ends[last - 1])]
        distinct, counts = np.unique(keys, return_counts=True)
        passages = (distinct // vocabulary_size + first).astype(np.int32)
        yield passages, (distinct % vocabulary_size).astype(np.int64), counts.astype(np.float32)


def bm25_scores(
    ids: np.ndarray, ends: np.ndarray, vocabulary_size: int, *, k1: float, b: float
) -> dict[str, Any]:
    """bm25s's ``scores`` (``data``, ``indices``, ``indptr``, ``num_docs``) for passages whose
    term ids are ``ids`` with passage ``i`` ending at ``ends[i]``.

    Two passes over blocks of passages: the first counts each term's passages, which gives
    the IDF and where each term's column starts; the second scores each block and writes it
    straight into its columns. What is held beyond one block is the matrix itself."""
    documents = len(ends)
    lengths = np.diff(ends, prepend=0)
    average_length = lengths.mean() if documents else np.float64(0)
    frequencies = np.zeros(vocabulary_size, dtype=np.int64)
    for _, terms, _ in _blocks(ids, ends, vocabulary_size):
        frequencies += np.bincount(terms, minlength=vocabulary_size)
    idf = lucene_idf(frequencies, documents)
    # The same float64 operations in the same order as bm25s's per-passage formula.
    length_norm = k1 * ((1 - b) + b * lengths.astype(np.float64) / average_length)
    # Types as bm25s's: float32 scores, int32 passages, int64 column starts.
    indptr = np.zeros(vocabulary_size + 1, dtype=np.int64)
    np.cumsum(frequencies, out=indptr[1:])
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    filled = indptr[:-1].copy()  # where each column's next passage goes
    for passages, terms, counts in _blocks(ids, ends, vocabulary_size):
        scores = idf[terms] * (counts / (length_norm[passages] + counts))
        # Blocks come in passage order and a stable sort keeps it within each column.
        by_term = np.argsort(terms, kind="stable")
        sorted_terms = terms[by_term]
        group_start = np.searchsorted(sorted_terms, sorted_terms, side="left")
        targets = filled[sorted_terms] + (np.arange(len(by_term)) - group_start)
        data[targets] = scores[by_term]
        indices[targets] = passages[by_term]
        filled += np.bincount(terms, minlength=vocabulary_size)
    return {"data": data, "indices": indices, "indptr": indptr, "num_docs": documents}


def bm25_model(rows: TermRows, *, k1: float, b: float) -> Any:
    """A bm25s model of ``rows``, as ``bm25s.BM25(k1, b).index`` makes it from the rows' ids
    and vocabulary (the empty term added when missing), without its per-term structures."""
    import bm25s

    model = bm25s.BM25(k1=k1, b=b)
    model.scores = bm25_scores(rows.flat_ids, rows.ends, len(rows.vocab), k1=k1, b=b)
    vocabulary = rows.vocab
    if EMPTY_TERM not in vocabulary:
        vocabulary = {**vocabulary, EMPTY_TERM: len(vocabulary)}
    model.vocab_dict = vocabulary
    model.nonoccurrence_array = None  # Lucene's BM25 has none
    # Only bm25s's ``retrieve`` of term ids reads this set (a Python int per term); nothing
    # here calls it, and ``BM25.load`` makes it again.
    model.unique_token_ids_set = None
    return model
