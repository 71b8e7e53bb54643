"""The title ranking of a large archive: every title scored, against the nearest titles of
the approximate index a build makes for them, on title vectors shaped like ours.

    python -m bench.title_ann --titles var/bench-index/index/builds/<id>/titles/titles.npz \
        --sizes 40000,350000 --out bench-out

Starts from a build's real title vectors (``titles/titles.npz``) and grows them to each size
with ``bench.ann``'s perturbed copies; every title gets ``--chunks-per-title`` chunks (2.9:
``bench.answer_scale``'s synthetic archive has 117,972 passages under 40,631 titles). The
questions are further copies, held out, asked one at a time as the service asks a partition
for its candidates (``--k``, the ``candidates`` setting), under a mask of ``--allowed`` of
the chunks (a question's own-language partition). Each size: ``TitleRetriever.search`` with
every title scored, then with the index ``rag.ann`` chooses for that many titles (``auto``
with ``ann_min_passages`` 1), its breadth calibrated to ``--recall`` as a build calibrates
it; the median and p95 ms of each, and the share of the exact search's first 10 and ``k``
chunks the approximate one returns.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from bench.ann import SEED, grow, perturbed_copies
from bench.results import write_results
from bench.stats import median, percentile
from eval.command import run as run_command
from rag.ann import AUTO, calibrate, choose_factory
from rag.retrieval.title import TitleRetriever
from rag.types import Query
from rag.vectors import build_faiss_index

QUERIES = 200
TOP = 10


@dataclass
class TitleRow:
    titles: int
    chunks: int
    search: str
    build_s: float
    breadth: int
    recall_at_10: float
    recall_at_k: float
    median_ms: float
    p95_ms: float


def _timed(
    retriever: TitleRetriever, queries: np.ndarray, k: int, allowed: np.ndarray
) -> tuple[list[np.ndarray], float, float]:
    found, latencies = [], []
    for vector in queries:
        query = Query("q", "en", raw_vector=vector)
        begin = time.perf_counter()
        hits = retriever.search(query, k, allowed)
        latencies.append((time.perf_counter() - begin) * 1000)
        found.append(hits.positions)
    return found, median(latencies), percentile(latencies, 95)


def _recall(found: list[np.ndarray], truth: list[np.ndarray], top: int) -> float:
    shares = [
        len(set(f[:top].tolist()) & set(t[:top].tolist())) / max(len(t[:top]), 1)
        for f, t in zip(found, truth, strict=True)
    ]
    return float(np.mean(shares))


def run(
    real: np.ndarray,
    sizes: list[int],
    chunks_per_title: float,
    k: int,
    allowed_share: float,
    recall: float,
    spread: float,
) -> list[TitleRow]:
    rng = np.random.default_rng(SEED)
    unit = real.astype(np.float32)
    faiss.normalize_L2(unit)
    rows = []
    for size in sizes:
        vectors = grow(unit, size, spread, rng)
        chunks = round(size * chunks_per_title)
        # Every title at least one chunk, the rest spread at random; in title order, as an
        # archive's chunks follow their articles.
        chunk_titles = np.sort(
            np.concatenate([np.arange(size), rng.integers(0, size, size=max(chunks - size, 0))])
        ).astype(np.int32)
        allowed = rng.random(len(chunk_titles)) < allowed_share
        queries = perturbed_copies(unit, QUERIES, spread, rng)
        exact = TitleRetriever(vectors, chunk_titles, size)
        truth, p50, p95 = _timed(exact, queries, k, allowed)
        rows.append(TitleRow(size, len(chunk_titles), "every title", 0.0, 0, 1.0, 1.0, p50, p95))
        factory = choose_factory(size, AUTO, 1)
        started = time.perf_counter()
        index = build_faiss_index(vectors, factory)
        calibration = calibrate(index, vectors, recall)
        build_s = time.perf_counter() - started
        approximate = TitleRetriever(vectors, chunk_titles, size, index=index)
        approximate.chunks_by_title()  # as the part does when it loads
        found, p50, p95 = _timed(approximate, queries, k, allowed)
        rows.append(
            TitleRow(
                size,
                len(chunk_titles),
                f"{factory} at its calibrated breadth",
                build_s,
                calibration.breadth,
                _recall(found, truth, TOP),
                _recall(found, truth, k),
                p50,
                p95,
            )
        )
    return rows


def table(rows: list[TitleRow], k: int) -> str:
    lines = [
        f"| titles | chunks | search | build s | breadth | recall@{TOP} | recall@{k} | "
        "p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.titles:,} | {row.chunks:,} | {row.search} | {row.build_s:.1f} | "
            f"{row.breadth or '—'} | {row.recall_at_10:.3f} | {row.recall_at_k:.3f} | "
            f"{row.median_ms:.2f} | {row.p95_ms:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.title_ann", description=__doc__)
    parser.add_argument("--titles", type=Path, required=True, help="a build's titles/titles.npz")
    parser.add_argument("--sizes", default="40000,350000", help="comma-separated title counts")
    parser.add_argument("--chunks-per-title", type=float, default=2.9)
    parser.add_argument("--k", type=int, default=300, help="chunks asked for (candidates)")
    parser.add_argument("--allowed", type=float, default=0.97, help="share of chunks allowed")
    parser.add_argument("--recall", type=float, default=0.95, help="ann_recall")
    parser.add_argument("--spread", type=float, default=0.45, help="noise norm of a copy")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    if not args.titles.is_file():
        parser.error(f"no such file: {args.titles} (build an index, then pass its titles)")
    with np.load(args.titles) as stored:
        real = stored["vectors"]
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = run(real, sizes, args.chunks_per_title, args.k, args.allowed, args.recall, args.spread)
    write_results(args.out, "title-ann", table(rows, args.k), [asdict(row) for row in rows])
    return 0


if __name__ == "__main__":
    run_command(main, "python -m bench.title_ann")
