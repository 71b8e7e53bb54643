import pytest

from rag.retrieval.fusion import reciprocal_rank_fusion
from rag.types import Hit, Scored


def test_rrf_sums_reciprocal_ranks_with_weights() -> None:
    dense = [Hit(1, 0.9), Hit(2, 0.8)]
    bm25 = [Hit(2, 12.0), Hit(3, 5.0)]
    fused = reciprocal_rank_fusion([Scored.of(dense), Scored.of(bm25)], [1.0, 2.0], k=60).hits()
    scores = {h.position: h.score for h in fused}
    assert scores[2] == pytest.approx(1 / 62 + 2 / 61)
    assert scores[1] == pytest.approx(1 / 61)
    assert scores[3] == pytest.approx(2 / 62)
    assert [h.position for h in fused] == [2, 3, 1]


def test_zero_weight_ranking_is_ignored() -> None:
    fused = reciprocal_rank_fusion(
        [Scored.of([Hit(1, 1.0)]), Scored.of([Hit(2, 1.0)])], [1.0, 0.0], k=60
    ).hits()
    assert [h.position for h in fused] == [1]


def test_zscore_fusion_lets_a_lone_strong_bm25_match_win() -> None:
    from rag.retrieval.fusion import zscore_fusion

    dense = [Hit(i, 0.85 - 0.001 * i) for i in range(10)]  # flat: nothing stands out
    bm25 = [Hit(7, 12.0)]  # one passage shares a rare term
    fused = zscore_fusion(
        [Scored.of(dense), Scored.of(bm25)], [1.0, 1.0], depth=10, pads=[None, 0.0]
    ).hits()
    assert fused[0].position == 7
    assert {h.position for h in fused} == set(range(10))


def test_zscore_fusion_without_lexical_hits_keeps_the_dense_order() -> None:
    from rag.retrieval.fusion import zscore_fusion

    dense = [Hit(3, 0.9), Hit(1, 0.8), Hit(2, 0.7)]
    fused = zscore_fusion(
        [Scored.of(dense), Scored.empty()], [1.0, 1.0], depth=3, pads=[None, 0.0]
    ).hits()
    assert [h.position for h in fused] == [3, 1, 2]


def test_scored_round_trips_hits_and_orders_ties_by_position() -> None:
    hits = [Hit(4, 0.5), Hit(2, 0.9), Hit(1, 0.5)]
    assert Scored.of(hits).hits() == hits
    assert Scored.of(hits).best_first().hits() == [Hit(2, 0.9), Hit(1, 0.5), Hit(4, 0.5)]
