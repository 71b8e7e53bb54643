import numpy as np

from rag.types import Hit, Hits, Scored, best_of


def test_hits_read_lazily_are_the_scored_pairs_in_order() -> None:
    scored = Scored(np.array([7, 2, 9, 4], dtype=np.int64), np.array([0.9, 0.5, 0.25, -1.0]))
    hits = Hits(scored)
    pairs = [Hit(7, 0.9), Hit(2, 0.5), Hit(9, 0.25), Hit(4, -1.0)]
    assert len(hits) == 4
    assert list(hits) == pairs
    assert hits[0] == Hit(7, 0.9) and hits[-1] == Hit(4, -1.0)
    assert hits[1:3] == pairs[1:3] and hits[:10] == pairs
    # Plain Python numbers, as JSON and the citations expect.
    assert type(hits[0].position) is int and type(hits[0].score) is float
    assert all(type(hit.position) is int for hit in hits)
    assert list(Hits(Scored.empty())) == []
    assert scored.hits() == pairs  # the whole list at once


def test_best_of_keeps_the_lowest_positions_of_a_tie_at_the_cut() -> None:
    rows = np.array([2, 5, 7, 9, 11])
    scores = np.array([0.5, 0.9, 0.5, 0.5, 0.1], dtype=np.float32)
    best = best_of(rows, scores, 3)
    assert best.positions.tolist() == [5, 2, 7] and best.scores.dtype == np.float64
    assert best_of(rows, scores, 10).positions.tolist() == [5, 2, 7, 9, 11]
    assert len(best_of(rows, scores, 0)) == 0 and len(best_of(rows[:0], scores[:0], 3)) == 0
