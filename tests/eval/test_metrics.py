import math

import pytest

from eval.metrics import answer_rank, document_ranking, mrr_at_k, ndcg_at_k, recall_at_k


def test_document_ranking_keeps_each_document_at_its_best_passage() -> None:
    assert document_ranking(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]


def test_ndcg_uses_linear_gains_like_trec_eval() -> None:
    gold = {"d1": 3, "d2": 1}
    ranking = ["d2", "x", "d1"]
    dcg = 1 / math.log2(2) + 3 / math.log2(4)
    idcg = 3 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(ranking, gold, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["d1", "d2"], gold, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x"], gold, 10) == 0.0


def test_recall_and_mrr_at_k() -> None:
    gold = {"d1": 1, "d2": 2, "d3": 0}
    ranking = ["x", "d2", "d3", "y", "d1"]
    assert recall_at_k(ranking, gold, 1) == 0.0
    assert recall_at_k(ranking, gold, 2) == 0.5
    assert recall_at_k(ranking, gold, 5) == 1.0
    assert mrr_at_k(ranking, gold, 10) == 0.5
    assert mrr_at_k(ranking, gold, 1) == 0.0


def test_answer_rank_normalizes_whitespace() -> None:
    passages = ["nothing here", "the answer is\n글로벌  데이터 플랫폼(NSTRI) indeed"]
    assert answer_rank(passages, ["글로벌 데이터 플랫폼(NSTRI)"]) == 2
    assert answer_rank(passages, ["absent"]) is None
