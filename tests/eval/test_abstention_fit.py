from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from eval.abstention import Suite, foreign_samples
from eval.datasets import EvalQuestion, EvalSet
from eval.fitting import (
    FIT_MAX_PER_GROUP,
    Sample,
    capped,
    choose_threshold,
    complete_matches,
    fit_logistic,
    leave_one_set_out,
    probabilities,
)
from rag.abstention import FEATURES
from rag.engine import SearchEngine


def test_logistic_fit_separates_and_threshold_respects_the_false_budget() -> None:
    rng = np.random.default_rng(1)
    # one feature on a cosine's scale, one on a flag's: the fit must use both
    positives = np.column_stack([rng.normal(0.86, 0.02, 200), rng.normal(1.0, 0.5, 200)])
    negatives = np.column_stack([rng.normal(0.80, 0.02, 200), rng.normal(-1.0, 0.5, 200)])
    x = np.vstack([positives, negatives])
    y = np.array([1.0] * 200 + [0.0] * 200)
    weights, bias = fit_logistic(x, y)
    assert weights[0] > 10 and weights[1] > 0.5  # weights apply to the raw features
    p = probabilities(x, weights, bias)
    threshold = choose_threshold(p, y, max_false=0.05)
    assert np.mean(p[y == 1] < threshold) <= 0.05
    assert np.mean(p[y == 0] < threshold) > 0.9


def test_threshold_keeps_every_group_within_the_false_budget() -> None:
    # group "b" holds both of the answerable questions with low probabilities
    p = np.array([0.9] * 20 + [0.3] * 2 + [0.5] * 18 + [0.1] * 10)
    y = np.array([1.0] * 40 + [0.0] * 10)
    groups = np.array(["a"] * 20 + ["b"] * 20 + ["a"] * 10)
    in_b = (groups == "b") & (y == 1)
    pooled = choose_threshold(p, y, max_false=0.05)
    assert np.mean(p[y == 1] < pooled) <= 0.05 < np.mean(p[in_b] < pooled)
    per_group = choose_threshold(p, y, max_false=0.05, groups=groups)
    for group in ("a", "b"):
        answerable = (groups == group) & (y == 1)
        assert np.mean(p[answerable] < per_group) <= 0.05
    assert np.mean(p[y == 0] < per_group) == 1.0


def test_threshold_leaves_a_margin_below_the_first_question_answered() -> None:
    # 40 answerable questions allow 2 wrong abstentions: the third lowest (0.40) must stay
    p = np.array([0.10, 0.20, 0.40] + [0.90] * 37)
    y = np.ones(len(p))
    threshold = choose_threshold(p, y, max_false=0.05)
    # halfway between the last abstention allowed (0.20) and the first question kept
    assert threshold == pytest.approx(0.30)
    assert round(threshold, 4) < 0.40
    # with no abstention allowed, the threshold still sits just below the lowest question
    lone = choose_threshold(np.array([0.5, 0.9]), np.ones(2), max_false=0.05)
    assert 0.499 < lone < 0.5


def _suite(name: str, corpus: str, engine: SearchEngine, answerable: int) -> Suite:
    questions = [
        EvalQuestion(f"{name}-{i}", text, "en", answerable=i < answerable)
        for i, text in enumerate(["What is NSTRI?", "Who presented it in Boston?", "Why?"])
    ]
    return Suite(EvalSet(name, "answers", [], questions, [corpus]), engine, questions)


def test_foreign_questions_pair_every_corpus_with_the_other_suites(engine: SearchEngine) -> None:
    # a and c share a corpus; every suite has two answerable questions and one unanswerable
    suites = [
        _suite(name, corpus, engine, 2) for name, corpus in (("a", "x"), ("b", "y"), ("c", "x"))
    ]
    samples = foreign_samples(suites, 5, related=set())
    counts = Counter(s.suite for s in samples)
    # b's questions against a's corpus, a's and c's against b's; never a corpus's own suites
    assert counts == {"a<-b": 2, "b<-a": 2, "b<-c": 2}
    assert all(s.kind == "foreign" and not s.answerable for s in samples)
    assert samples[0].suites == {"a", "b"}
    assert Counter(s.suite for s in foreign_samples(suites, 1, related=set()))["b<-a"] == 1
    related = foreign_samples(suites, 5, related={frozenset({"b", "c"})})
    assert Counter(s.suite for s in related) == {"a<-b": 2, "b<-a": 2}


def test_collected_samples_are_kept_and_read_back(tmp_path: Path) -> None:
    from eval.abstention import load_samples, save_samples
    from eval.fitting import Sample
    from rag.abstention import FEATURES

    samples = [
        Sample("korquad", "altered", np.arange(len(FEATURES), dtype=float), False),
        Sample("news<-korquad", "foreign", np.ones(len(FEATURES)), False),
        Sample("news", "answerable", np.zeros(len(FEATURES)), True),
    ]
    path = tmp_path / "samples.npz"
    save_samples(samples, path)
    again = load_samples(path)
    assert [(s.suite, s.kind, s.answerable) for s in again] == [
        (s.suite, s.kind, s.answerable) for s in samples
    ]
    assert all(np.array_equal(a.features, s.features) for a, s in zip(again, samples, strict=True))


def _sample(suite: str, kind: str, similarity: float, coverage: float = 0.5) -> Sample:
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("similarity")] = similarity
    features[FEATURES.index("coverage")] = coverage
    features[FEATURES.index("rarest_missing")] = 0.0 if coverage >= 1 else 1.0
    features[FEATURES.index("standout")] = 2.0
    return Sample(suite, kind, features, kind == "answerable")


def test_each_set_is_scored_by_a_model_fitted_without_it() -> None:
    rng = np.random.default_rng(3)
    samples = [
        _sample(suite, kind, float(rng.normal(centre, 0.01)))
        for suite, shift in (("a", 0.0), ("b", 0.0), ("shifted", -0.05))
        for kind, centre, count in (("answerable", 0.86 + shift, 60), ("unanswerable", 0.80, 60))
        for _ in range(count)
    ]
    # a's questions asked of b's corpus: far off its subject, held out with either set
    samples += [_sample("b<-a", "foreign", float(rng.normal(0.70, 0.01))) for _ in range(10)]
    keep = np.array([name == "similarity" for name in FEATURES], dtype=float)
    rows = {row.suite: row for row in leave_one_set_out(samples, keep, 0.05, 1.0)}
    assert set(rows) == {"a", "b", "shifted"}
    assert rows["a"].answerable == 60 and rows["a"].unanswerable == 60
    assert rows["a"].foreign == rows["b"].foreign == 10 and rows["shifted"].foreign == 0
    assert rows["a"].not_found_foreign == 1.0 and np.isnan(rows["shifted"].not_found_foreign)
    # the shifted set's answerable questions look like the others' unanswerable ones: held
    # out, most of them are wrongly answered "not found", which a pooled fit would hide
    assert rows["shifted"].false_abstention > 0.5
    # fitted with it, the threshold must answer them, so "a" held out abstains less often
    # than when the shifted set is not there
    assert rows["a"].false_abstention <= 0.05
    alone = leave_one_set_out([s for s in samples if s.suite != "shifted"], keep, 0.05, 1.0)
    assert alone[0].suite == "a" and alone[0].not_found > 0.9 > rows["a"].not_found


def test_complete_lexical_matches_are_answered_whatever_the_model_says() -> None:
    samples = [_sample("a", "answerable", 0.80, coverage=1.0) for _ in range(10)]
    samples += [_sample("a", "answerable", 0.86) for _ in range(30)]
    samples += [_sample("a", "unanswerable", 0.80) for _ in range(30)]
    samples += [_sample("b", kind, s.features[0]) for s in samples for kind in [s.kind]]
    raw = np.stack([s.features for s in samples])
    answered = complete_matches(raw, 1.0)
    assert answered.sum() == 10  # suite b's copies lose the complete match (coverage 0.5)
    assert not complete_matches(raw, 3.0).any()  # they must also stand out


def test_a_fit_takes_at_most_a_capped_number_of_one_kind_of_one_set() -> None:
    def sample(suite: str, kind: str) -> Sample:
        return Sample(suite, kind, np.zeros(len(FEATURES)), kind == "answerable")

    samples = [sample("big", "answerable") for _ in range(FIT_MAX_PER_GROUP + 50)]
    samples += [sample("big", "gold-removed") for _ in range(10)]
    samples += [sample("small", "answerable") for _ in range(7)]
    mask = capped(samples)
    counts = Counter(s.group for s, kept in zip(samples, mask, strict=True) if kept)
    assert counts == {
        "big/answerable": FIT_MAX_PER_GROUP,
        "big/gold-removed": 10,
        "small/answerable": 7,
    }
    assert np.array_equal(mask, capped(samples))  # the same sample every time
