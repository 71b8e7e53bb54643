"""Approximate FAISS indexes on vectors shaped like ours: the search breadth each needs for a
recall target, with its latency, build time and memory.

    python -m bench.ann --vectors bench-out/encoders-index/builds/<id>/dense/vectors.npy \
        --sizes 100000 --recall 0.95 --out bench-out

Starts from a build's real passage vectors (the news corpora's, ``dense/vectors.npy``) and
grows them to each size with perturbed copies: a copy is a real passage's vector plus
Gaussian noise of norm ``--spread``, made unit again (the table gives the mean cosine of a
copy to its passage). Queries are further copies, held out of the index. For each index type
and each breadth (HNSW ``efSearch``, IVF ``nprobe``; exact ``Flat`` for reference) it
measures recall@10 against exact search and the latency of one query at a time (as the
service searches), and marks the least breadth that reaches the recall target: what a
setting such as ``ann_recall`` would choose.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from bench.scaling import exact_neighbours, timed_build
from bench.stats import median, percentile
from eval.command import run as run_command
from rag.ann import AUTO, calibrate, choose_factory

QUERIES = 200
K = 10
SEED = 11
HNSW_BREADTHS = (16, 32, 64, 128, 256, 512)
IVF_BREADTHS = (1, 2, 4, 8, 16, 32, 64, 128)
REFINE_FACTOR = 4  # an IVF-PQ index re-scores this many times k candidates exactly


@dataclass
class AnnRow:
    vectors: int
    factory: str
    build_s: float
    memory_mib: float
    breadth: int
    recall_at_10: float
    median_ms: float
    p95_ms: float


def grow(real: np.ndarray, count: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` unit vectors: the real ones first, then perturbed copies of random ones."""
    copies = perturbed_copies(real, max(count - len(real), 0), spread, rng)
    return np.vstack([real[:count], copies]).astype(np.float32)


def perturbed_copies(
    real: np.ndarray, count: int, spread: float, rng: np.random.Generator
) -> np.ndarray:
    """``count`` perturbed copies of random real vectors (also the held-out queries)."""
    seeds = rng.integers(0, len(real), size=count)
    noise = rng.standard_normal((count, real.shape[1])).astype(np.float32)
    noise *= spread / np.linalg.norm(noise, axis=1, keepdims=True)
    copies = (real[seeds] + noise).astype(np.float32)
    faiss.normalize_L2(copies)
    return copies


def factories_for(count: int) -> list[str]:
    lists = int(4 * np.sqrt(count))
    return ["Flat", "HNSW32", f"IVF{lists},Flat", f"IVF{lists},PQ48,RFlat"]


def breadths_for(factory: str) -> tuple[int, ...]:
    if factory == "Flat":
        return (0,)  # exact: nothing to set
    return HNSW_BREADTHS if factory.startswith("HNSW") else IVF_BREADTHS


def _set_breadth(index: faiss.Index, breadth: int) -> None:
    if isinstance(index, faiss.IndexFlat):
        return
    if isinstance(index, faiss.IndexRefine):
        index.k_factor = REFINE_FACTOR
        faiss.extract_index_ivf(index.base_index).nprobe = breadth
    elif isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = breadth
    else:
        faiss.extract_index_ivf(index).nprobe = breadth


def measure(
    index: faiss.Index, queries: np.ndarray, truth: np.ndarray, breadth: int
) -> tuple[float, float, float]:
    """Recall@10 against ``truth``, and the median and p95 ms of one query at a time."""
    _set_breadth(index, breadth)
    _, found = index.search(queries, K)
    recall = float(np.mean([len(set(found[i]) & set(truth[i])) / K for i in range(len(truth))]))
    latencies = []
    for row in range(len(queries)):
        begin = time.perf_counter()
        index.search(queries[row : row + 1], K)
        latencies.append((time.perf_counter() - begin) * 1000)
    return recall, median(latencies), percentile(latencies, 95)


def run_ann(
    real: np.ndarray,
    sizes: list[int],
    spread: float,
    factories: Callable[[int], list[str]] = factories_for,
    calibrate_to: float | None = None,
) -> tuple[list[AnnRow], float]:
    """Every index type and breadth at every size; and the mean cosine of a copy to its seed.
    With ``calibrate_to``, also the index a build would make (``rag.ann``, ``auto``) at the
    breadth its build-time calibration chooses for that recall, scored on these queries."""
    rng = np.random.default_rng(SEED)
    rows: list[AnnRow] = []
    unit = real.astype(np.float32)
    faiss.normalize_L2(unit)
    probe = perturbed_copies(unit, 1000, spread, np.random.default_rng(SEED + 1))
    seeds = np.random.default_rng(SEED + 1).integers(0, len(unit), size=1000)
    closeness = float(np.mean(np.sum(probe * unit[seeds], axis=1)))
    for size in sizes:
        vectors = grow(unit, size, spread, rng)
        queries = perturbed_copies(unit, QUERIES, spread, rng)
        truth = exact_neighbours(vectors, queries, K)
        for factory in factories(size):
            index, build_s = timed_build(vectors, factory)
            memory = faiss.serialize_index(index).nbytes / 2**20
            for breadth in breadths_for(factory):
                recall, p50, p95 = measure(index, queries, truth, breadth)
                rows.append(AnnRow(size, factory, build_s, memory, breadth, recall, p50, p95))
            del index
        if calibrate_to is not None:
            factory = choose_factory(size, AUTO, 1)
            started = time.perf_counter()
            index, _ = timed_build(vectors, factory)
            calibration = calibrate(index, vectors, calibrate_to)
            build_s = time.perf_counter() - started  # with the calibration, as a build pays
            memory = faiss.serialize_index(index).nbytes / 2**20
            recall, p50, p95 = measure(index, queries, truth, calibration.breadth)
            label = f"{factory}, calibrated at build ({calibration.recall:.3f} on its own queries)"
            rows.append(AnnRow(size, label, build_s, memory, calibration.breadth, recall, p50, p95))
    return rows, closeness


def table(rows: list[AnnRow], target: float) -> str:
    lines = [
        "| vectors | index | build s | memory MiB | breadth | recall@10 | p50 ms | p95 ms | "
        f"least breadth with recall ≥ {target} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    chosen = {}
    for row in rows:
        key = (row.vectors, row.factory)
        if key not in chosen and row.recall_at_10 >= target:
            chosen[key] = row.breadth
    for row in rows:
        mark = "◀" if chosen.get((row.vectors, row.factory)) == row.breadth else ""
        lines.append(
            f"| {row.vectors:,} | {row.factory} | {row.build_s:.1f} | {row.memory_mib:.0f} | "
            f"{row.breadth} | {row.recall_at_10:.3f} | {row.median_ms:.2f} | {row.p95_ms:.2f} | "
            f"{mark} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ann", description=__doc__)
    parser.add_argument("--vectors", type=Path, required=True, help="a build's dense/vectors.npy")
    parser.add_argument("--sizes", default="100000", help="comma-separated index sizes")
    parser.add_argument("--spread", type=float, default=0.45, help="noise norm of a copy")
    parser.add_argument("--recall", type=float, default=0.95, help="recall@10 target")
    parser.add_argument("--threads", type=int, default=0, help="FAISS threads (0: default)")
    parser.add_argument(
        "--calibrated-only",
        action="store_true",
        help="only the index a build makes (auto) at its calibrated breadth",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    if not args.vectors.is_file():
        parser.error(f"no such file: {args.vectors} (build an index, then pass its vectors)")
    if args.threads:
        faiss.omp_set_num_threads(args.threads)
    real = np.load(args.vectors)
    sizes = [int(size) for size in args.sizes.split(",")]
    kinds = (lambda _: []) if args.calibrated_only else factories_for
    rows, closeness = run_ann(real, sizes, args.spread, kinds, calibrate_to=args.recall)
    text = (
        f"# ANN indexes on grown real vectors\n\n`python -m bench.ann --vectors {args.vectors} "
        f"--sizes {args.sizes} --spread {args.spread} --recall {args.recall}"
        f"{' --calibrated-only' if args.calibrated_only else ''}`: {len(real):,} "
        f"real passage vectors grown by copies (mean cosine of a copy to its passage "
        f"{closeness:.3f}), {QUERIES} held-out queries, FAISS threads "
        f"{faiss.omp_get_max_threads()}.\n\n{table(rows, args.recall)}\n"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results-ann.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    run_command(main, "python -m bench.ann")
