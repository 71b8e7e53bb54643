import numpy as np

from bench.ann import grow, run_ann, table


def _real(count: int, dimension: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_growing_keeps_the_real_vectors_first_and_every_row_unit() -> None:
    real = _real(50, 96)
    grown = grow(real, 400, 0.45, np.random.default_rng(1))
    assert grown.shape == (400, 96)
    assert np.array_equal(grown[:50], real)
    assert np.allclose(np.linalg.norm(grown, axis=1), 1.0, atol=1e-5)


def test_every_index_type_is_measured_and_exact_search_finds_everything() -> None:
    # IVF-PQ's training takes minutes: the other kinds show what is measured.
    kinds = ["Flat", "HNSW32", "IVF16,Flat"]
    rows, closeness = run_ann(_real(300, 96), [3000], spread=0.45, factories=lambda _: kinds)
    assert 0.8 < closeness < 1.0  # a copy stays near its passage
    assert [row.factory for row in rows] == ["Flat"] + ["HNSW32"] * 6 + ["IVF16,Flat"] * 8
    exact = [row for row in rows if row.factory == "Flat"]
    assert len(exact) == 1 and exact[0].recall_at_10 == 1.0
    hnsw = [row.recall_at_10 for row in rows if row.factory == "HNSW32"]
    assert hnsw[-1] >= hnsw[0]  # a wider search finds at least as much
    text = table(rows, 0.95)
    first = next(row for row in rows if row.factory == "HNSW32" and row.recall_at_10 >= 0.95)
    marked = [line for line in text.splitlines() if "HNSW32" in line and line.endswith("◀ |")]
    assert len(marked) == 1 and f"| {first.breadth} |" in marked[0]


def test_the_build_time_calibration_is_scored_on_the_bench_queries() -> None:
    rows, _ = run_ann(_real(300, 96), [3000], spread=0.45, factories=lambda _: [], calibrate_to=0.9)
    assert len(rows) == 1
    (row,) = rows
    assert row.factory.startswith("IVF76,Flat, calibrated at build")
    assert 1 <= row.breadth <= 76 and 0.0 < row.recall_at_10 <= 1.0
