"""Dense retrieval: inner product of unit vectors in a FAISS index (cosine similarity)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import faiss
import numpy as np

from rag.ann import Calibration
from rag.types import Query, Scored, best_of
from rag.vectors import center, configure_search

# A filtered search of an exact (Flat) index scores the rows it keeps with FAISS's own kernels
# (the scores of its filtered search, bit for bit), cheaper than its selector, which visits
# every row (bench.dense_scan). The rows are read a block at a time, and every search of a
# question (its language partitions, then each partition's feedback vector) scores a block
# while it is in cache: the vectors cross from memory once for all of them. Within a block,
# a vector scores every row in one pass (``fvec_inner_products_ny``) where its searches keep
# at least this share of the block, and the kept rows one by one
# (``fvec_inner_products_by_idx``) below it.
ONE_SCAN_MIN_SHARE = 0.35
# 4,096 rows of 384 floats are 6 MiB: a block stays in this machine's 32 MiB L3 cache while
# each search scores it (bench.dense_scan: 2,048-8,192 alike, 16,384 slower).
SCAN_BLOCK_ROWS = 4096


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
        return self.search_each([(query, allowed)], k)[0]

    def search_many(self, query: Query, k: int, masks: Sequence[np.ndarray | None]) -> list[Scored]:
        """:meth:`search` of ``query`` under each of ``masks``."""
        return self.search_each([(query, mask) for mask in masks], k)

    def search_each(
        self, searches: Sequence[tuple[Query, np.ndarray | None]], k: int
    ) -> list[Scored]:
        """Each ``(query, mask)`` search's ``k`` best rows (a sharded index sends them all at
        once). The filtered searches of an exact flat index read its rows once for all of
        them, a block at a time (the same passages and scores as FAISS's filtered searches,
        bit for bit); any other search is FAISS's own."""
        results: list[Scored | None] = [None] * len(searches)
        stored = self._flat_rows()
        scanned = [
            i
            for i, (query, allowed) in enumerate(searches)
            if query.vector is not None and allowed is not None
        ]
        if stored is not None and scanned:
            scans = self._scan(stored, [searches[i] for i in scanned], min(k, self.size))
            for i, found in zip(scanned, scans, strict=True):
                results[i] = found
        return [
            found if found is not None else self._faiss_search(query, k, allowed)
            for found, (query, allowed) in zip(results, searches, strict=True)
        ]

    def _faiss_search(self, query: Query, k: int, allowed: np.ndarray | None) -> Scored:
        if query.vector is None or self.size == 0:
            return Scored.empty()
        k = min(k, self.size)
        params = None
        if allowed is not None:
            if not allowed.any():
                return Scored.empty()
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

    def _scan(
        self, stored: np.ndarray, searches: Sequence[tuple[Query, np.ndarray | None]], k: int
    ) -> list[Scored]:
        """Filtered searches of the exact index's ``stored`` rows; the searches of one vector
        share its scores. Several vectors read the rows a block at a time (each block scored
        for all of them while in cache); one vector reads them in one pass."""
        by_vector: dict[int, tuple[np.ndarray, list[int]]] = {}
        for i, (query, _) in enumerate(searches):
            assert query.vector is not None
            vector = np.ascontiguousarray(query.vector, dtype=np.float32).reshape(-1)
            by_vector.setdefault(id(query.vector), (vector, []))[1].append(i)
        block_rows = SCAN_BLOCK_ROWS if len(by_vector) > 1 else self.size
        rows: list[list[np.ndarray]] = [[] for _ in searches]
        scores: list[list[np.ndarray]] = [[] for _ in searches]
        for start in range(0, self.size, block_rows):
            block = stored[start : start + block_rows]
            for vector, members in by_vector.values():
                wanted = []
                for i in members:
                    allowed = searches[i][1]
                    assert allowed is not None
                    wanted.append((i, np.flatnonzero(allowed[start : start + len(block)])))
                count = sum(len(kept) for _, kept in wanted)
                every = None
                if count >= ONE_SCAN_MIN_SHARE * len(block):
                    every = _inner_products(block, vector)
                for i, kept in wanted:
                    if len(kept):
                        rows[i].append(kept + start if start else kept)
                        found = (
                            every[kept]
                            if every is not None
                            else _kept_products(block, vector, kept)
                        )
                        scores[i].append(found)
        return [
            best_of(np.concatenate(r), np.concatenate(s), k) if r else Scored.empty()
            for r, s in zip(rows, scores, strict=True)
        ]

    def _flat_rows(self) -> np.ndarray | None:
        """The vectors an exact inner-product flat index holds, as an array over its memory
        (no copy); None for any other index."""
        flat = type(self.index) in (faiss.IndexFlat, faiss.IndexFlatIP)
        if not flat or self.index.metric_type != faiss.METRIC_INNER_PRODUCT or self.size == 0:
            return None
        dimension = int(self.index.d)
        rows: np.ndarray = faiss.rev_swig_ptr(self.index.get_xb(), self.size * dimension)
        return rows.reshape(self.size, dimension)


def _inner_products(block: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Inner products of ``vector`` with every row of ``block``, in one pass (the kernel FAISS
    scores a filtered search's rows with)."""
    products = np.empty(len(block), dtype=np.float32)
    swig: Any = faiss  # its bundled stubs lack the vector kernels
    swig.fvec_inner_products_ny(
        swig.swig_ptr(products),
        swig.swig_ptr(vector),
        swig.swig_ptr(block),
        block.shape[1],
        len(block),
    )
    return products


def _kept_products(block: np.ndarray, vector: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Inner products of ``vector`` with the ``kept`` rows of ``block``, row by row (the same
    floats as :func:`_inner_products` gives them)."""
    products = np.empty(len(kept), dtype=np.float32)
    ids = kept.astype(np.int64)
    swig: Any = faiss
    swig.fvec_inner_products_by_idx(
        swig.swig_ptr(products),
        swig.swig_ptr(vector),
        swig.swig_ptr(block),
        swig.swig_ptr(ids),
        block.shape[1],
        1,
        len(kept),
    )
    return products
