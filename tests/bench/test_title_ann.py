import numpy as np

from bench.title_ann import run, table


def test_every_title_scored_and_the_calibrated_index_are_timed_side_by_side() -> None:
    rng = np.random.default_rng(0)
    real = rng.standard_normal((200, 64)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    rows = run(real, [3000], 2.9, 50, 0.97, 0.9, 0.45)
    exact, approximate = rows
    assert exact.search == "every title" and exact.recall_at_10 == 1.0
    assert exact.titles == approximate.titles == 3000 and exact.chunks == 8700
    assert approximate.search.startswith("IVF76,Flat at its calibrated breadth")
    assert 0 < approximate.breadth <= 76 and approximate.build_s > 0
    # Calibrated to 0.9 on its own queries, it finds most of the exact search's first ten.
    assert 0.8 <= approximate.recall_at_10 <= 1.0 and 0 < approximate.recall_at_k <= 1.0
    text = table(rows, 50)
    assert "| recall@10 | recall@50 |" in text and "| 3,000 | 8,700 | every title |" in text
