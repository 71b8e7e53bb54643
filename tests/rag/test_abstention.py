import pytest

from rag.abstention import AbstentionModel, AnswerSignals, standardized_top, term_coverage

IDF = {"insulin": 3.0, "price": 1.0, "germany": 5.0}


def _holding(*passages: set[str]):  # type: ignore[no-untyped-def]
    return lambda term, position: term in passages[position]


def test_coverage_weighs_concepts_by_rarity_and_flags_the_rarest_missing() -> None:
    us_article = _holding({"insulin", "price", "us"})
    concepts = [{"insulin"}, {"price"}, {"germany"}]
    coverage, rarest_missing, unknown = term_coverage(concepts, [0], us_article, IDF)
    assert coverage == pytest.approx(4 / 9) and rarest_missing == 1.0 and unknown == 0.0
    # a concept is covered by any of its translations; unseen terms count as unknown
    concepts = [{"인슐린", "insulin"}, {"독일", "germany"}, {"nhif"}]
    both = _holding({"price"}, {"germany", "insulin"})
    coverage, rarest_missing, unknown = term_coverage(concepts, [0, 1], both, IDF)
    assert coverage == 1.0 and rarest_missing == 0.0 and unknown == pytest.approx(1 / 3)
    assert term_coverage([], [0], us_article, IDF) == (0.0, 1.0, 0.0)


def test_standout_is_a_z_score() -> None:
    assert standardized_top([1.0, 2.0, 3.0], 3.0) == pytest.approx(1.2247, abs=1e-4)
    assert standardized_top([1.0], 1.0) == 0.0


def test_model_probability_is_logistic() -> None:
    model = AbstentionModel((0.0, 0.0, 2.0, -1.0, 0.0, 0.0), bias=-1.0)
    strong = AnswerSignals(0.8, 2.0, 1.0, 0.0, 0.0, 0.0)
    weak = AnswerSignals(0.8, 2.0, 0.2, 1.0, 0.0, 0.0)
    assert model.probability(strong) == pytest.approx(1 / (1 + 2.718281828**-1.0), abs=1e-6)
    assert model.probability(weak) < 0.5 < model.probability(strong)
