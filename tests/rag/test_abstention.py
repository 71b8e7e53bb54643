import pytest

from rag.abstention import (
    FEATURES,
    AbstentionModel,
    AnswerSignals,
    missing_year,
    standardized_top,
    term_coverage,
    unknown_share,
)

IDF = {"insulin": 3.0, "price": 1.0, "germany": 5.0}


def _holding(*passages: set[str]):  # type: ignore[no-untyped-def]
    return lambda term, position: term in passages[position]


def test_coverage_weighs_concepts_by_rarity_and_flags_the_rarest_missing() -> None:
    us_article = _holding({"insulin", "price", "us"})
    concepts = [{"insulin"}, {"price"}, {"germany"}]
    coverage, rarest_missing = term_coverage(concepts, [0], us_article, IDF)
    assert coverage == pytest.approx(4 / 9) and rarest_missing == 1.0
    # a concept is covered by any of its translations; terms no passage holds are left out
    concepts = [{"인슐린", "insulin"}, {"독일", "germany"}, {"nhif"}]
    both = _holding({"price"}, {"germany", "insulin"})
    assert term_coverage(concepts, [0, 1], both, IDF) == (1.0, 0.0)
    assert term_coverage([], [0], us_article, IDF) == (0.0, 1.0)


def test_a_year_the_passage_does_not_name_is_missing() -> None:
    passage = "Insulin list prices rose in 2017; by 2019 some makers cut them."
    assert missing_year("What did insulin cost in 2017?", passage) == 0.0
    assert missing_year("2019년 인슐린 가격은?", passage) == 0.0  # a year reads alike in Korean
    assert missing_year("What did insulin cost in 2021?", passage) == 1.0
    assert missing_year("What did insulin cost in 2017 and 2021?", passage) == 1.0
    # numbers that are not years, or years inside longer numbers, are not checked
    assert missing_year("Why do 3000 patients ration insulin?", passage) == 0.0
    assert missing_year("What does order 120190 say?", passage) == 0.0
    assert missing_year("What did insulin cost?", passage) == 0.0


def test_unknown_share_counts_concepts_no_searchable_passage_holds() -> None:
    corpus = {"insulin", "price", "germany"}
    concepts = [{"인슐린", "insulin"}, {"kenya"}, {"nhif"}, {"price"}]
    assert unknown_share(concepts, corpus.__contains__) == 0.5  # kenya, nhif
    assert unknown_share(concepts, lambda term: False) == 1.0
    assert unknown_share([], corpus.__contains__) == 0.0


def test_standout_is_a_z_score() -> None:
    assert standardized_top([1.0, 2.0, 3.0], 3.0) == pytest.approx(1.2247, abs=1e-4)
    assert standardized_top([1.0], 1.0) == 0.0


def _signals(**values: float) -> AnswerSignals:
    return AnswerSignals(**{name: values.get(name, 0.0) for name in FEATURES})


def test_model_probability_is_logistic_over_the_features_in_order() -> None:
    weights = {"coverage": 2.0, "agreement": 1.0, "missing_year": -3.0}
    model = AbstentionModel(tuple(weights.get(name, 0.0) for name in FEATURES), bias=-1.0)
    strong = _signals(similarity=0.8, coverage=1.0)
    assert model.probability(strong) == pytest.approx(1 / (1 + 2.718281828**-1.0), abs=1e-6)
    weak = _signals(similarity=0.8, coverage=1.0, missing_year=1.0)
    agreeing = _signals(similarity=0.8, coverage=1.0, agreement=1.0)
    assert model.probability(weak) < 0.5 < model.probability(strong) < model.probability(agreeing)
