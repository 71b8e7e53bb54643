"""FAISS index types at growing sizes: search latency and recall@10 against exact search.

Vectors are synthetic but shaped like sentence embeddings: unit vectors drawn around a few
thousand cluster centres (uniform random vectors would make every ANN index look worse than
it is on real text). Queries come from the same distribution and are not in the index.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import faiss
import numpy as np

from bench.stats import median, percentile
from rag.vectors import build_faiss_index, configure_search

QUERIES = 200
K = 10
SEED = 7


def synthetic_vectors(count: int, dimension: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.standard_normal((max(count // 250, 16), dimension)).astype(np.float32)
    labels = rng.integers(0, len(centres), size=count)
    vectors = centres[labels] + 0.6 * rng.standard_normal((count, dimension)).astype(np.float32)
    faiss.normalize_L2(vectors)
    return vectors


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int = K) -> np.ndarray:
    """Ids of each query's ``k`` nearest ``vectors`` by exact inner product: the truth that
    approximate indexes are scored against."""
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, k)
    return np.asarray(truth)


def timed_build(vectors: np.ndarray, factory: str) -> tuple[faiss.Index, float]:
    """A FAISS index of ``vectors`` and the seconds its build took."""
    started = time.perf_counter()
    index = build_faiss_index(vectors, factory)
    return index, time.perf_counter() - started


def factories_for(count: int) -> list[str]:
    """The index types the service can be configured with, sized for ``count`` vectors."""
    lists = int(4 * np.sqrt(count))
    return ["Flat", "HNSW32", f"IVF{lists},Flat", f"IVF{lists},PQ48"]


@dataclass
class ScalingRow:
    vectors: int
    factory: str
    build_s: float
    median_ms: float
    p95_ms: float
    recall_at_10: float
    memory_mb: float


def run_scaling(
    sizes: list[int],
    dimension: int,
    *,
    ef_search: int,
    nprobe: int,
    repeats: int,
    factories: Callable[[int], list[str]] = factories_for,
) -> list[ScalingRow]:
    rng = np.random.default_rng(SEED)
    rows: list[ScalingRow] = []
    for size in sizes:
        data = synthetic_vectors(size + QUERIES, dimension, rng)
        vectors, queries = data[:size], data[size:]
        truth = exact_neighbours(vectors, queries)
        for factory in factories(size):
            index, build_s = timed_build(vectors, factory)
            configure_search(index, ef_search=ef_search, nprobe=nprobe)
            latencies = []
            for _ in range(repeats):  # one query at a time, as the service searches
                for row in range(QUERIES):
                    begin = time.perf_counter()
                    index.search(queries[row : row + 1], K)
                    latencies.append((time.perf_counter() - begin) * 1000)
            _, found = index.search(queries, K)
            recall = np.mean([len(set(found[i]) & set(truth[i])) / K for i in range(QUERIES)])
            rows.append(
                ScalingRow(
                    size,
                    factory,
                    build_s,
                    median(latencies),
                    percentile(latencies, 95),
                    float(recall),
                    faiss.serialize_index(index).nbytes / 2**20,
                )
            )
            del index
    return rows
