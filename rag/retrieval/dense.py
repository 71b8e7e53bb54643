"""Dense retrieval: inner product of unit vectors in a FAISS index (cosine similarity)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import faiss
import numpy as np

from rag.ann import Calibration
from rag.types import Query, Scored
from rag.vectors import center, configure_search

# A filtered search of an exact (Flat) index scores the rows it keeps with FAISS's own kernels
# (the scores of its filtered search, bit for bit), cheaper than its selector, which visits
# every row (bench.dense_scan): the kept rows one by one (``fvec_inner_products_by_idx``)
# below this share of the index, every row in one pass (``fvec_inner_products_ny``) above it,
# and one pass for several masks of one question (its language partitions) that together keep
# at least this share.
ONE_SCAN_MIN_SHARE = 0.35


def _search_parameters(index: Any, selector: Any, share: float) -> Any:
    """Search parameters with the filter's ``selector``, the breadth widened by 1/``share``
    (the share of rows the filter keeps): an approximate search that keeps one row in fifty
    finds as many allowed candidates as an unfiltered one only by looking fifty times as
    broadly; at the widest it is an exact search of the allowed rows."""
    # Each index family reads its own parameter class; a plain one is refused by IVF indexes.
    # (faiss's bundled type stubs lag its SWIG classes, hence the untyped module handle.)
    swig: Any = faiss
    if isinstance(index, faiss.IndexHNSW):
        breadth = min(index.ntotal, math.ceil(index.hnsw.efSearch / share))
        return swig.SearchParametersHNSW(sel=selector, efSearch=breadth)
    if isinstance(index, faiss.IndexIVF):
        breadth = min(index.nlist, math.ceil(index.nprobe / share))
        return swig.SearchParametersIVF(sel=selector, nprobe=breadth)
    return swig.SearchParameters(sel=selector)


class DenseRetriever:
    def __init__(
        self,
        index: Any,
        *,
        vectors: np.ndarray | None = None,
        means: Mapping[str, np.ndarray] | None = None,
        centering: float = 0.0,
        ef_search: int = 64,
        nprobe: int = 16,
    ) -> None:
        self.index = index
        # The passages' raw model vectors (memory-mapped): the index holds transformed ones
        # (centred, perhaps compressed), feedback and abstention need the originals.
        self.vectors = vectors
        # Each language's mean vector and the share of it removed from the indexed vectors:
        # queries are centred the same way to be compared with them.
        self.means = dict(means or {})
        self.centering = centering
        # What the build's encoder made of fixed probe texts (rag.parts.dense.check_encoder).
        self.probe: np.ndarray | None = None
        self.probe_backend = ""
        # The index type built and, for an approximate one, its calibrated breadth (rag.ann).
        self.factory = ""
        self.calibration: Calibration | None = None
        # IVF: the passages its lists were trained on, and the build they were taken from
        # when a later build reused them (rag.parts.dense).
        self.trained_passages: int | None = None
        self.lists_from: str | None = None
        self.lists: np.ndarray | None = None  # those lists, empty and serialized (builds only)
        configure_search(index, ef_search=ef_search, nprobe=nprobe)

    def center(self, vectors: np.ndarray, languages: Sequence[str]) -> np.ndarray:
        """Unit vectors centred as the indexed ones were."""
        return center(vectors, languages, self.means, self.centering)

    def rows(self, positions: list[int]) -> np.ndarray | None:
        """Raw vectors of the given passages, or None when they are not kept."""
        if self.vectors is None or not positions:
            return None
        rows: np.ndarray = np.asarray(self.vectors[positions], dtype=np.float32)
        return rows

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: Query, k: int, allowed: np.ndarray | None = None) -> Scored:
        if query.vector is None or self.size == 0:
            return Scored.empty()
        k = min(k, self.size)
        params = None
        if allowed is not None:
            if not allowed.any():
                return Scored.empty()
            stored = self._flat_rows()
            if stored is not None:
                return _best_of(*self._kept_scores(stored, query.vector, allowed), k)
            bitmap = np.packbits(allowed, bitorder="little")
            # The selector reads the bitmap by pointer: ``bitmap`` must outlive the search.
            selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
            # A count, not ``mean``: the mean of a boolean mask converts it to floats first,
            # and a query searches under several masks.
            share = np.count_nonzero(allowed) / len(allowed)
            params = _search_parameters(self.index, selector, share)
        scores, ids = self.index.search(query.vector.reshape(1, -1), k, params=params)
        found = ids[0] >= 0  # fewer than k allowed rows leave -1 ids
        # Ties by position (FAISS leaves their order to its heap): the same order as the
        # merge of a sharded search (rag.retrieval.shards).
        return Scored(
            ids[0][found].astype(np.int64), scores[0][found].astype(np.float64)
        ).best_first()

    def search_many(self, query: Query, k: int, masks: Sequence[np.ndarray | None]) -> list[Scored]:
        """:meth:`search` under each of ``masks`` (a sharded index sends them all at once).

        On an exact flat index, masks that together keep at least :data:`ONE_SCAN_MIN_SHARE`
        of the rows are served from one pass over every row, each mask's ``k`` best taken
        from it (the same passages and scores as FAISS's filtered searches, bit for bit)."""
        stored = self._flat_rows()
        arrays = [mask for mask in masks if mask is not None]
        kept = sum(int(np.count_nonzero(mask)) for mask in arrays)
        if (
            query.vector is None
            or stored is None
            or len(masks) < 2
            or len(arrays) < len(masks)  # an unfiltered search scores with another kernel
            or kept < ONE_SCAN_MIN_SHARE * self.size
        ):
            return [self.search(query, k, mask) for mask in masks]
        scores = self._all_scores(stored, query.vector)
        each = [np.flatnonzero(mask) for mask in arrays]
        return [_best_of(rows, scores[rows], k) for rows in each]

    def _all_scores(self, stored: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Inner products of ``vector`` with every stored row, in one pass."""
        one = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
        scores = np.empty(self.size, dtype=np.float32)
        swig: Any = faiss  # its bundled stubs lack the vector kernels
        swig.fvec_inner_products_ny(
            swig.swig_ptr(scores),
            swig.swig_ptr(one),
            swig.swig_ptr(stored),
            stored.shape[1],
            self.size,
        )
        return scores

    def _kept_scores(
        self, stored: np.ndarray, vector: np.ndarray, allowed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows ``allowed`` keeps and ``vector``'s inner products with them: from one pass
        over every row when they are at least :data:`ONE_SCAN_MIN_SHARE` of them, else row by
        row."""
        rows = np.flatnonzero(allowed)
        if len(rows) >= ONE_SCAN_MIN_SHARE * self.size:
            return rows, self._all_scores(stored, vector)[rows]
        one = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
        kept = np.empty(len(rows), dtype=np.float32)
        ids = rows.astype(np.int64)
        swig: Any = faiss
        swig.fvec_inner_products_by_idx(
            swig.swig_ptr(kept),
            swig.swig_ptr(one),
            swig.swig_ptr(stored),
            swig.swig_ptr(ids),
            stored.shape[1],
            1,
            len(rows),
        )
        return rows, kept

    def _flat_rows(self) -> np.ndarray | None:
        """The vectors an exact inner-product flat index holds, as an array over its memory
        (no copy); None for any other index."""
        flat = type(self.index) in (faiss.IndexFlat, faiss.IndexFlatIP)
        if not flat or self.index.metric_type != faiss.METRIC_INNER_PRODUCT or self.size == 0:
            return None
        dimension = int(self.index.d)
        rows: np.ndarray = faiss.rev_swig_ptr(self.index.get_xb(), self.size * dimension)
        return rows.reshape(self.size, dimension)


def _best_of(rows: np.ndarray, scores: np.ndarray, k: int) -> Scored:
    """The ``k`` best ``rows`` (ascending) by their ``scores``, best first, ties by position:
    at the cut, the rows of lowest position, as FAISS's heap keeps the first of equal scores."""
    if len(rows) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)[: k - len(above)]  # rows ascend: lowest first
        chosen = np.concatenate([above, tied])
        rows, scores = rows[chosen], scores[chosen]
    return Scored(rows.astype(np.int64), scores.astype(np.float64)).best_first()
