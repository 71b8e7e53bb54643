from bench.scaling import factories_for, run_scaling
from bench.stats import median, percentile


def test_exact_search_has_full_recall_and_ann_indexes_are_measured() -> None:
    # (PQ training is left to the benchmark: it takes a minute even on small data)
    def without_pq(size: int) -> list[str]:
        return [f for f in factories_for(size) if "PQ" not in f]

    rows = run_scaling([3000], 384, ef_search=64, nprobe=16, repeats=1, factories=without_pq)
    assert [row.factory for row in rows] == without_pq(3000)
    by_factory = {row.factory: row for row in rows}
    assert by_factory["Flat"].recall_at_10 == 1.0
    assert by_factory["HNSW32"].recall_at_10 > 0.8
    assert all(0.0 <= row.recall_at_10 <= 1.0 and row.median_ms > 0 for row in rows)


def test_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert median(values) == 50.5
    assert percentile(values, 95) == 95.0
    assert percentile(values, 100) == 100.0
