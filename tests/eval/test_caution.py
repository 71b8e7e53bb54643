"""The caution threshold: chosen on some sets' answerable questions, rates on the others."""

import json
from pathlib import Path
from typing import Any

import pytest

from eval import caution
from eval.command import run
from rag.errors import InputError


def _row(
    name: str, answerable: bool, confidence: float, abstained: bool = False, **more: Any
) -> dict[str, Any]:
    return {
        "set": name,
        "method": "hybrid",
        "answerable": answerable,
        "confidence": confidence,
        "abstained": abstained,
        **more,
    }


def test_the_threshold_flags_at_most_the_share_asked_of_each_fitted_set() -> None:
    first = [_row("a", True, c) for c in (0.1, 0.3, 0.5, 0.7, 0.9)]
    second = [_row("b", True, c) for c in (0.2, 0.25, 0.6, 0.8)] + [_row("b", True, 0.01, True)]
    # At most one in five flagged per set: "a" allows 0.3 (flags 0.1), "b" only 0.25 (flags 0.2).
    second.append({"set": "b", "gold_removed": True, "abstained": False, "confidence": 0.3})
    assert caution.choose_threshold([first, second], 0.2) == 0.25
    assert caution.choose_threshold([first], 0.2) == 0.3
    assert caution.choose_threshold([first], 0.0) == 0.1  # flags nothing: 0.1 is not below it


def test_rates_split_flagged_hidden_and_warned() -> None:
    rows = [
        _row("s", True, 0.9),
        _row("s", True, 0.15),  # uncertain
        _row("s", True, 0.02, True),  # hidden
        _row("s", False, 0.1),  # warned: uncertain
        _row("s", False, 0.01, True),  # warned: hidden
        _row("s", False, 0.6),  # not warned
    ]
    # A question asked with its gold articles left out, as rag eval writes it (no answerable).
    rows.append(
        {
            "set": "s",
            "method": "hybrid",
            "gold_removed": True,
            "abstained": False,
            "confidence": 0.12,
        }
    )
    got = caution.rates(rows, 0.2)
    assert got["answerable"] == 3 and got["uncertain"] == pytest.approx(1 / 3)
    assert got["not found"] == pytest.approx(1 / 3)
    assert got["unanswerable"] == 3 and got["warned"] == pytest.approx(2 / 3)
    assert got["gold out"] == 1 and got["warned (gold out)"] == 1.0


def test_results_without_confidences_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"set": "s", "method": "hybrid", "abstained": False}) + "\n")
    with pytest.raises(InputError, match="no results of method 'hybrid' with confidences"):
        caution.main([str(path), "--fit", "s"])


def test_a_missing_results_file_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "questions.jsonl"
    with pytest.raises(SystemExit) as ended:
        run(lambda: caution.main([str(missing), "--fit", "s"]), "python -m eval.caution")
    assert ended.value.code == 2
    assert capsys.readouterr().err == (
        f"python -m eval.caution: error: {missing}: no such file "
        "(the questions.jsonl of a rag eval --out)\n"
    )


def test_an_answer_the_subject_model_marked_counts_as_flagged_at_any_threshold() -> None:
    marked = _row("s", True, 0.9, off_subject=True)
    assert caution._uncertain(marked, 0.1) and not caution._uncertain(_row("s", True, 0.9), 0.1)
    # Its share counts against the budget: at most half flagged allows 0.8 (flags 0.3) without
    # it, only 0.3 (flags nothing more) with it.
    rows = [marked, _row("s", True, 0.3), _row("s", True, 0.8)]
    assert caution.choose_threshold([rows[1:]], 0.5) == 0.8
    assert caution.choose_threshold([rows], 0.5) == 0.3
    hidden = _row("s", True, 0.01, True, off_subject=True)
    assert not caution._uncertain(hidden, 0.5)  # "not found" is not also flagged
