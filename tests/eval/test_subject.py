"""The subject model: fitted on answerable questions against questions off a corpus's
subject, it marks at most its budget of each fitted set's answerable questions."""

from pathlib import Path

import numpy as np
import pytest

from eval.abstention import save_samples
from eval.fitting import Sample, capped, fit_subject, probabilities, subject_leave_one_out
from eval.subject import main
from rag.abstention import FEATURES


def _sample(suite: str, kind: str, similarity: float) -> Sample:
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("similarity")] = similarity
    return Sample(suite, kind, features, kind == "answerable")


def _samples() -> list[Sample]:
    rng = np.random.default_rng(4)
    samples = []
    for suite in ("a", "b", "c"):
        samples += [_sample(suite, "answerable", rng.normal(0.85, 0.02)) for _ in range(100)]
        samples += [_sample(suite, "unanswerable", rng.normal(0.75, 0.02)) for _ in range(40)]
    samples += [_sample("b<-a", "foreign", rng.normal(0.74, 0.02)) for _ in range(20)]
    return samples


def test_it_marks_off_subject_questions_within_its_budget_of_answerable_ones() -> None:
    samples = _samples()
    x = np.stack([s.features for s in samples])
    y = np.array([1.0 if s.answerable else 0.0 for s in samples])
    kinds = np.array([s.kind for s in samples])
    suites = np.array([s.suite for s in samples])
    nothing = np.zeros(len(samples), dtype=bool)
    model = fit_subject(x, y, kinds, suites, capped(samples), nothing, 0.03)
    marked = probabilities(x, model.weights, model.bias) < model.threshold
    for suite in ("a", "b", "c"):
        assert marked[(suites == suite) & (kinds == "answerable")].mean() <= 0.03
        assert marked[(suites == suite) & (kinds == "unanswerable")].mean() > 0.9
    # Questions marked already do not count against the budget: with the answerable
    # questions of lowest similarity warned about, it may mark more of the rest.
    low = (y == 1) & (x[:, FEATURES.index("similarity")] < 0.83)
    wider = fit_subject(x, y, kinds, suites, capped(samples), low, 0.03)
    assert wider.threshold >= model.threshold
    # A set whose answerable questions are all marked already does not bind the threshold.
    everything = fit_subject(x, y, kinds, suites, capped(samples), y == 1, 0.03)
    assert everything.threshold == 1.0


def test_each_set_held_out_is_scored_by_a_model_fitted_without_it() -> None:
    samples = _samples()
    keep = np.array([name == "similarity" for name in FEATURES], dtype=float)
    nothing = np.zeros(len(samples), dtype=bool)
    rows = {row.suite: row for row in subject_leave_one_out(samples, keep, nothing, nothing, 0.03)}
    assert set(rows) == {"a", "b", "c"}
    count, before, after = rows["a"].answerable
    assert (count, before) == (100, 0.0) and after <= 0.05
    assert rows["a"].unanswerable[2] > 0.9 and rows["a"].foreign[0] == 20
    assert rows["c"].foreign[0] == 0


def test_the_command_fits_on_collected_samples_and_prints_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The service's own model warns about none of these made-up samples.
    monkeypatch.setenv("RAG_ABSTAIN_THRESHOLD", "0")
    monkeypatch.setenv("RAG_CAUTION_THRESHOLD", "0")
    path = tmp_path / "samples.npz"
    save_samples(_samples(), path)
    assert main(["a", "b", "c", "--samples", str(path), "--hold-out", "c", "--leave-one-out"]) == 0
    out = capsys.readouterr().out
    assert "RAG_SUBJECT_THRESHOLD=" in out and "(held out: c)" in out
    assert "| a | 0.000 → " in out and "Each set with a model fitted on all the others" in out
    assert "| c | 0.000 → 0.0" in out  # held out, few of its answerable questions marked
