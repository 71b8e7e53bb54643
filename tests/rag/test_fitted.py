import json
from pathlib import Path

import pytest

from rag.abstention import FEATURES
from rag.config import Settings
from rag.fitted import (
    ABSTENTION_FILE,
    FittedAbstention,
    read_fitted,
    shipped_abstention,
    write_fitted,
)


def test_the_settings_default_to_the_shipped_model_and_the_environment_overrides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = shipped_abstention()
    settings = Settings()
    assert list(settings.query.abstain_weights) == shipped.weights
    assert (settings.query.abstain_bias, settings.query.abstain_threshold) == (
        shipped.bias,
        shipped.threshold,
    )
    monkeypatch.setenv("RAG_ABSTAIN_THRESHOLD", "0.5")
    assert Settings().query.abstain_threshold == 0.5
    monkeypatch.setenv("RAG_QUERY__ABSTAIN_THRESHOLD", "0.25")  # the nested name wins
    assert Settings().query.abstain_threshold == 0.25


def test_the_shipped_model_records_how_it_was_fitted() -> None:
    fit = shipped_abstention().fit
    assert fit["command"].startswith("python -m eval.abstention ")
    assert "--write rag/fitted/abstention.json" in fit["command"]
    assert set(fit["held_out"]) <= set(fit["command"].split())
    assert fit["samples"] > 0 and 0 < fit["max_false"] <= 0.05
    # A feature left out of the fit keeps a zero weight.
    unused = [
        w
        for name, w in zip(FEATURES, shipped_abstention().weights, strict=True)
        if name not in fit["features_used"]
    ]
    assert unused and all(w == 0 for w in unused)


def test_a_model_is_written_whole_and_read_back(tmp_path: Path) -> None:
    model = FittedAbstention([0.5] * len(FEATURES), -1.0, 0.1, {"command": "x"})
    path = tmp_path / "models" / "abstention.json"
    write_fitted(model, path)
    assert read_fitted(path) == model
    assert [p.name for p in path.parent.iterdir()] == ["abstention.json"]  # no temporary left


def test_a_model_of_other_features_is_refused(tmp_path: Path) -> None:
    record = json.loads(ABSTENTION_FILE.read_text(encoding="utf-8"))
    record["features"] = [*record["features"], "something_new"]
    path = tmp_path / "abstention.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        read_fitted(path)


def test_the_shipped_reader_gate_is_the_query_default_and_records_its_fit() -> None:
    import json

    from rag.config import QueryParams
    from rag.fitted import READER_GATE_FILE, shipped_reader_gate

    record = json.loads(READER_GATE_FILE.read_text(encoding="utf-8"))
    assert QueryParams().reader_min_margin == shipped_reader_gate() == record["min_margin"]
    assert record["fit"]["command"].startswith("python -m eval.reader_gate")
    assert record["fit"]["fitted_sets"]
    assert QueryParams().reader is False  # off unless asked for (docs/reader.md)


def test_the_shipped_caution_threshold_is_the_query_default_and_records_its_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = shipped_abstention()
    assert shipped.caution_threshold is not None
    # Between "not found" and a sure answer: a band of found answers marked uncertain.
    assert shipped.threshold < shipped.caution_threshold < 0.5
    assert Settings().query.caution_threshold == shipped.caution_threshold
    fit = shipped.caution_fit
    assert fit["command"].startswith("python -m eval.caution ") and "--write" in fit["command"]
    assert all(
        fit["rates"][name]["uncertain"] <= fit["max_share"]
        for name in fit["fitted_sets"]
        if fit["rates"][name]["answerable"]
    )
    monkeypatch.setenv("RAG_CAUTION_THRESHOLD", "0.3")
    assert Settings().query.caution_threshold == 0.3


def test_a_model_fitted_before_the_caution_threshold_reads_and_writes_back(
    tmp_path: Path,
) -> None:
    record = json.loads(ABSTENTION_FILE.read_text(encoding="utf-8"))
    del record["caution_threshold"], record["caution_fit"]
    path = tmp_path / "abstention.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    model = read_fitted(path)
    assert model.caution_threshold is None and model.caution_fit == {}
    write_fitted(model, path)
    assert read_fitted(path) == model


def test_the_shipped_subject_model_records_its_fit_and_the_environment_overrides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = shipped_abstention()
    assert shipped.subject_weights is not None and 0 < shipped.subject_threshold < 1
    fit = shipped.subject_fit
    assert fit["command"].startswith("python -m eval.subject ") and "--write" in fit["command"]
    # Reported on the sets it was not fitted on.
    assert {"paraphrase-dev#report", "unanswerable-dev", "offdomain-dev"} <= set(fit["held_out"])
    unused = [
        w
        for name, w in zip(FEATURES, shipped.subject_weights, strict=True)
        if name not in fit["features_used"]
    ]
    assert unused and all(w == 0 for w in unused)
    assert list(Settings().query.subject_weights) == shipped.subject_weights
    monkeypatch.setenv("RAG_SUBJECT_THRESHOLD", "0")
    assert Settings().query.subject_threshold == 0.0
