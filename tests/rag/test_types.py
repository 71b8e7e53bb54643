import numpy as np

from rag.types import Hit, Hits, Scored


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
