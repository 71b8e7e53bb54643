import numpy as np

from eval.abstention import choose_threshold, fit_logistic, probabilities


def test_logistic_fit_separates_and_threshold_respects_the_false_budget() -> None:
    rng = np.random.default_rng(1)
    positives = rng.normal(1.0, 0.5, size=(200, 2))
    negatives = rng.normal(-1.0, 0.5, size=(200, 2))
    x = np.vstack([positives, negatives])
    y = np.array([1.0] * 200 + [0.0] * 200)
    weights, bias = fit_logistic(x, y)
    p = probabilities(x, weights, bias)
    threshold = choose_threshold(p, y, max_false=0.05)
    assert np.mean(p[y == 1] < threshold) <= 0.05
    assert np.mean(p[y == 0] < threshold) > 0.9
