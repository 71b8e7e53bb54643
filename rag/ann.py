"""Approximate search for large corpora: which FAISS index a build makes for its size, and how
broad its search must be to find what exact search finds.

``bench.ann`` measured it on the news vectors grown to 100k and 1M (docs/scale.md): exact
search costs ~17 ms a question at 100k and ~170 ms at 1M on 2 cores, while an inverted file
of about 4·√n lists reaches recall@10 0.97 searching 4 of them, in under a millisecond. So
``auto`` builds ``Flat`` below ``ann_min_passages`` and ``IVF<lists>,Flat`` above, and the
build measures the least breadth that reaches ``ann_recall`` on its own vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

from rag.vectors import configure_search

AUTO = "auto"
LISTS_PER_ROOT = 4  # IVF lists per square root of the passage count
MIN_POINTS_PER_LIST = 39  # FAISS's least training points per list (it warns below)
CALIBRATION_QUERIES = 200
CALIBRATION_K = 10
# Calibration questions are stored passages moved by noise of this norm (cosine ~0.9 to
# their passage), like bench.ann's held-out copies: a passage itself is too easy to find.
CALIBRATION_NOISE = 0.45
CALIBRATION_SEED = 5
BREADTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def choose_factory(passages: int, factory: str, min_passages: int) -> str:
    """``factory`` as configured, or for ``auto`` the index the corpus size calls for."""
    if factory != AUTO:
        return factory
    if passages < min_passages:
        return "Flat"
    lists = max(
        1, min(round(LISTS_PER_ROOT * math.sqrt(passages)), passages // MIN_POINTS_PER_LIST)
    )
    return f"IVF{lists},Flat"


def is_approximate(index: Any) -> bool:
    return isinstance(index, faiss.IndexIVF | faiss.IndexHNSW)


def set_breadth(index: Any, breadth: int) -> None:
    """IVF lists searched or HNSW efSearch: ``rag.vectors.configure_search`` with one value."""
    configure_search(index, ef_search=breadth, nprobe=breadth)


@dataclass(frozen=True)
class Calibration:
    breadth: int  # IVF lists searched or HNSW efSearch
    recall: float  # recall@10 against exact search at that breadth
    target: float


def calibration_queries(vectors: np.ndarray, count: int) -> np.ndarray:
    rng = np.random.default_rng(CALIBRATION_SEED)
    rows = vectors[rng.choice(len(vectors), size=min(count, len(vectors)), replace=False)]
    noise = rng.standard_normal(rows.shape).astype(np.float32)
    noise *= CALIBRATION_NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    moved = rows + noise
    unit: np.ndarray = (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)
    return unit


def calibrate(index: Any, vectors: np.ndarray, target: float) -> Calibration:
    """The least breadth of ``index`` (built over ``vectors``) whose recall@10 against exact
    search reaches ``target``; the broadest tried when none does. Leaves it set."""
    swig: Any = faiss
    queries = calibration_queries(vectors, CALIBRATION_QUERIES)
    k = min(CALIBRATION_K, len(vectors))
    _, exact = swig.knn(
        queries,
        np.ascontiguousarray(vectors, dtype=np.float32),
        k,
        metric=faiss.METRIC_INNER_PRODUCT,
    )
    ivf = isinstance(index, faiss.IndexIVF)
    limit = index.nlist if ivf else BREADTHS[-1]
    calibration = Calibration(BREADTHS[0], 0.0, target)
    for tried in BREADTHS:
        # HNSW returns at most efSearch neighbours: never fewer than k.
        breadth = min(tried, limit) if ivf else max(tried, k)
        set_breadth(index, breadth)
        _, found = index.search(queries, k)
        hits = [len(set(f.tolist()) & set(e.tolist())) for f, e in zip(found, exact, strict=True)]
        calibration = Calibration(breadth, float(np.mean(hits)) / k, target)
        if calibration.recall >= target or breadth >= limit:
            break
    set_breadth(index, calibration.breadth)
    return calibration
