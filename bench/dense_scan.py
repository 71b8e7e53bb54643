"""Filtered searches of an exact index: ``python -m bench.dense_scan [--passages N...]``.

A question is searched under each language partition of an exact (Flat) index, and again
under each with its feedback vector; filters (a source, dates) are masks too. FAISS's
filtered search visits every row through its selector; ``DenseRetriever`` scores the kept
rows with FAISS's own kernels instead (the same passages and scores, bit for bit:
``tests/rag/test_dense.py``): one pass over every row for a wide mask or for a question's
partitions together, the kept rows one by one for a narrow mask; a question's searches read
the rows a block at a time, each block scored for all of them while it is in cache. On unit
vectors shaped like the model's (384 dimensions, random), ``--candidates`` a search, the median
milliseconds of FAISS's filtered searches, of ours one search at a time and of ours together
(``search_each``), side by side over the same queries, alternating: both partitions
(``--share`` of the rows in the first) at once, each partition alone, the feedback round (each
partition with a vector of its own), and a narrow filter (``--filter-share``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

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


def _faiss_filtered(retriever: DenseRetriever, query: Query, k: int, mask: np.ndarray) -> None:
    """FAISS's own filtered search (the way every masked search went before)."""
    assert query.vector is not None
    bitmap = np.packbits(mask, bitorder="little")
    selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
    swig: Any = faiss  # its bundled stubs lag its SWIG classes
    retriever.index.search(
        query.vector.reshape(1, -1), k, params=swig.SearchParameters(sel=selector)
    )


def _ms(run: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    run(*args)
    return (time.perf_counter() - started) * 1000


Searches = list[tuple[Query, np.ndarray]]


def _faiss_each(retriever: DenseRetriever, searches: Searches, k: int) -> None:
    for query, mask in searches:
        _faiss_filtered(retriever, query, k, mask)


def _ours_each(retriever: DenseRetriever, searches: Searches, k: int) -> None:
    for query, mask in searches:
        retriever.search(query, k, mask)


def measure(
    passages: int, share: float, filter_share: float, candidates: int, queries: int
) -> dict[str, tuple[float, float, float]]:
    """Per kind of search, the median ms of FAISS's filtered searches, of ours one at a time
    and of ours together."""
    rng = np.random.default_rng(SEED)
    vectors = rng.standard_normal((passages, DIMENSION), dtype=np.float32)
    faiss.normalize_L2(vectors)
    retriever = DenseRetriever(build_faiss_index(vectors, "Flat"))
    first = rng.random(passages) < share
    narrow = rng.random(passages) < filter_share
    kinds: dict[str, list[np.ndarray]] = {
        f"both partitions ({share:.0%} + {1 - share:.0%})": [first, ~first],
        f"one partition ({share:.0%})": [first],
        f"one partition ({1 - share:.0%})": [~first],
        f"feedback round ({share:.0%} + {1 - share:.0%}, a vector each)": [first, ~first],
        f"a filter ({filter_share:.0%})": [narrow],
    }
    times: dict[str, tuple[list[float], list[float], list[float]]] = {
        kind: ([], [], []) for kind in kinds
    }
    ways: list[Callable[..., object]] = [_faiss_each, _ours_each, DenseRetriever.search_each]
    for turn, (row, other) in enumerate(rng.choice(passages, (queries, 2), replace=False)):
        query = Query("q", "en", vector=vectors[row])
        moved = Query("q", "en", vector=vectors[other])  # another vector, as feedback makes
        for kind, masks in kinds.items():
            vectors_of = [query, moved] if kind.startswith("feedback") else [query] * len(masks)
            searches = list(zip(vectors_of, masks, strict=True))
            # Each way goes first in turn: a way run just after another finds the rows in cache.
            for way in np.roll(np.arange(3), turn):
                times[kind][way].append(_ms(ways[way], retriever, searches, candidates))
    return {kind: (median(a), median(b), median(c)) for kind, (a, b, c) in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dense_scan", description=__doc__)
    parser.add_argument("--passages", type=int, nargs="+", default=[10_000, 50_000, 99_000])
    parser.add_argument("--share", type=float, default=0.3, help="rows in the first partition")
    parser.add_argument("--filter-share", type=float, default=0.05, help="rows a filter keeps")
    parser.add_argument(
        "--candidates",
        type=int,
        default=Settings().query.candidates,
        help="k of each search (default: the settings')",
    )
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args(argv)
    rows = []
    for passages in args.passages:
        figures = measure(passages, args.share, args.filter_share, args.candidates, args.queries)
        for kind, (theirs, each, together) in figures.items():
            rows.append(
                [
                    f"{passages:,}",
                    kind,
                    f"{theirs:.2f}",
                    f"{each:.2f}",
                    f"{together:.2f}",
                    f"{together / theirs:.2f}",
                ]
            )
    header = ["passages", "searches", "FAISS filtered ms", "ours, one at a time", "ours, together"]
    print(_table([*header, "together / FAISS"], rows))
    print(f"{args.candidates} candidates a search, median of {args.queries} queries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
