"""IVF lists trained anew against reused, as a build after a small change of the archive
makes them (``ann_retrain_growth``, ``rag.parts.dense.reusable_lists``).

    python -m bench.ivf_reuse --vectors bench-out/encoders-index/builds/<id>/dense/vectors.npy \
        --size 100000 --growth 0.05 --out bench-out

Vectors shaped like ours (``bench.ann.grow``: a build's real passage vectors and perturbed
copies of them). A first archive of ``--size`` vectors is indexed with the IVF lists the
service would choose (``rag.ann.choose_factory``), then the archive grows by ``--growth`` of
that size and is indexed again twice: with lists trained on the grown archive, and with the
first archive's lists reused. For each: the seconds spent (training, adding), the search
breadth calibrated to ``--recall`` (as every build calibrates it) and the recall@10 it
reaches against exact search, and one query's search time at that breadth.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from bench.ann import grow
from bench.stats import median
from eval.command import run as run_command
from rag.ann import calibrate, calibration_queries, choose_factory
from rag.parts.dense import trained_lists

SEED = 11
SEARCH_QUERIES = 200


@dataclass
class ReuseRow:
    index: str
    vectors: int
    train_s: float
    add_s: float
    breadth: int
    recall: float
    search_ms_p50: float


def _indexed(
    name: str, lists: np.ndarray, vectors: np.ndarray, train_s: float, target: float
) -> ReuseRow:
    """``vectors`` added to a copy of the trained, empty ``lists`` (serialized, as a build
    keeps them), timed, then calibrated and searched."""
    started = time.perf_counter()
    index = faiss.deserialize_index(lists)
    index.add(vectors)
    add_s = time.perf_counter() - started
    calibration = calibrate(index, vectors, target)
    queries = calibration_queries(vectors, SEARCH_QUERIES)
    times = []
    for query in queries:
        began = time.perf_counter()
        index.search(query[None, :], 10)
        times.append((time.perf_counter() - began) * 1000)
    return ReuseRow(
        name,
        len(vectors),
        train_s,
        add_s,
        calibration.breadth,
        calibration.recall,
        median(times),
    )


def _trained(vectors: np.ndarray, factory: str) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    lists = np.asarray(faiss.serialize_index(trained_lists(vectors, factory)))
    return lists, time.perf_counter() - started


def run_reuse(
    real: np.ndarray, size: int, growth: float, spread: float, target: float
) -> list[ReuseRow]:
    rng = np.random.default_rng(SEED)
    grown = grow(real, size + round(size * growth), spread, rng)
    first = grown[:size]
    factory = choose_factory(size, "auto", 1)
    first_lists, first_train = _trained(first, factory)
    rows = [_indexed(f"first archive, {factory} trained", first_lists, first, first_train, target)]
    retrained, train_s = _trained(grown, choose_factory(len(grown), "auto", 1))
    rows.append(_indexed("grown, lists trained anew", retrained, grown, train_s, target))
    rows.append(_indexed("grown, first archive's lists reused", first_lists, grown, 0.0, target))
    return rows


def table(rows: list[ReuseRow], target: float) -> str:
    lines = [
        f"| index | vectors | train s | add s | breadth for recall {target} | recall@10 "
        "| search ms p50 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.index} | {r.vectors:,} | {r.train_s:.1f} | {r.add_s:.1f} | {r.breadth} "
            f"| {r.recall:.3f} | {r.search_ms_p50:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ivf_reuse", description=__doc__)
    parser.add_argument("--vectors", type=Path, required=True, help="a build's dense/vectors.npy")
    parser.add_argument("--size", type=int, default=100_000, help="vectors of the first archive")
    parser.add_argument("--growth", type=float, default=0.05, help="share added to it")
    parser.add_argument("--spread", type=float, default=0.45, help="noise norm of a copy")
    parser.add_argument("--recall", type=float, default=0.95, help="recall@10 target")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    if not args.vectors.is_file():
        parser.error(f"no such file: {args.vectors} (build an index, then pass its vectors)")
    real = np.load(args.vectors).astype(np.float32)
    rows = run_reuse(real, args.size, args.growth, args.spread, args.recall)
    text = (
        f"`python -m bench.ivf_reuse --vectors {args.vectors} --size {args.size} --growth "
        f"{args.growth} --spread {args.spread} --recall {args.recall}`, FAISS threads "
        f"{faiss.omp_get_max_threads()}:\n\n{table(rows, args.recall)}\n"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results-ivf-reuse.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    run_command(main, "python -m bench.ivf_reuse")
