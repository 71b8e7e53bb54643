"""Language partitions searched in one scan: ``python -m bench.dense_scan [--passages N...]``.

A question is searched under each language partition of an exact (Flat) index, each a
filtered FAISS search; ``DenseRetriever.search_many`` scores every row once instead, with
FAISS's own kernel, and keeps each partition's best (the same passages and scores, bit for
bit: ``tests/rag/test_dense.py``). On unit vectors shaped like the model's (384 dimensions,
random), two partitions (``--share`` of the rows in the first), ``--candidates`` a partition:
the median milliseconds of the filtered searches one by one and of the one scan, side by
side over the same queries, alternating.
"""

from __future__ import annotations

import argparse
import time

import faiss
import numpy as np

from bench.run import _table
from bench.stats import median
from rag.config import Settings
from rag.retrieval.dense import DenseRetriever
from rag.types import Query
from rag.vectors import build_faiss_index

DIMENSION = 384
SEED = 11


def measure(passages: int, share: float, candidates: int, queries: int) -> tuple[float, float]:
    """Median ms of the partitions' filtered searches one by one, and of the one scan."""
    rng = np.random.default_rng(SEED)
    vectors = rng.standard_normal((passages, DIMENSION), dtype=np.float32)
    faiss.normalize_L2(vectors)
    retriever = DenseRetriever(build_faiss_index(vectors, "Flat"))
    first = rng.random(passages) < share
    masks = [first, ~first]
    one_by_one: list[float] = []
    one_scan: list[float] = []
    for row in rng.choice(passages, queries, replace=False):
        query = Query("q", "en", vector=vectors[row])
        started = time.perf_counter()
        for mask in masks:
            retriever.search(query, candidates, mask)
        one_by_one.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        retriever.search_many(query, candidates, masks)
        one_scan.append((time.perf_counter() - started) * 1000)
    return median(one_by_one), median(one_scan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dense_scan", description=__doc__)
    parser.add_argument("--passages", type=int, nargs="+", default=[10_000, 50_000, 99_000])
    parser.add_argument("--share", type=float, default=0.3, help="rows in the first partition")
    parser.add_argument(
        "--candidates",
        type=int,
        default=Settings().query.candidates,
        help="k of each partition (default: the settings')",
    )
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args(argv)
    rows = []
    for passages in args.passages:
        separate, together = measure(passages, args.share, args.candidates, args.queries)
        rows.append(
            [f"{passages:,}", f"{separate:.2f}", f"{together:.2f}", f"{together / separate:.2f}"]
        )
    print(_table(["passages", "filtered searches ms", "one scan ms", "ratio"], rows))
    print(
        f"two partitions ({args.share:.0%} / {1 - args.share:.0%} of the rows), "
        f"{args.candidates} candidates each, median of {args.queries} queries"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
