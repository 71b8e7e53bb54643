"""The reader's gate: chosen on the fitted sets only, as high as their false abstention allows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.reader_gate import DEFAULT_METHOD, choose_gate, main, on_quantity_questions, rates
from rag.errors import InputError


def _row(answerable: bool, margin: float | None, abstained: bool = False, **extra: object) -> dict:
    return {
        "method": DEFAULT_METHOD,
        "answerable": answerable,
        "abstained": abstained,
        "reader_margin": margin,
        **extra,
    }


def test_rates_count_the_judge_or_the_gate() -> None:
    rows = [
        _row(True, 5.0),
        _row(True, -2.0),
        _row(True, 5.0, abstained=True),
        _row(False, -3.0),
        _row(False, 4.0),
        _row(True, -9.0, gold_removed=True),
        _row(True, None),  # not read whole: the judge alone decides
    ]
    got = rates(rows, 0.0)
    assert got["false-abstain"] == pytest.approx(2 / 4)
    assert got["abstain"] == 0.5
    assert got["abstain (gold out)"] == 1.0


def test_the_gate_is_the_highest_that_keeps_every_fitted_set_within_the_rate() -> None:
    first = [_row(True, m) for m in (1.0, 2.0, 3.0, 4.0)]
    second = [_row(True, m) for m in (0.5, 1.5, 6.0, 7.0)]
    # 25% allowed: each set may lose one answer; the second loses two above 1.5.
    assert choose_gate([first, second], 0.25) == 1.5
    assert choose_gate([first], 0.25) == 2.0
    assert choose_gate([first, second], 0.0) == 0.5


def test_the_command_fits_on_some_sets_and_reports_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "questions.jsonl"
    rows = [dict(_row(True, m), set="a") for m in (1.0, 2.0, 3.0, 4.0)]
    rows += [dict(_row(True, m), set="b") for m in (-1.0, 0.5)]
    rows += [dict(_row(False, m), set="b") for m in (-5.0, 1.5)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main([str(path), "--fit", "a", "--report", "b", "--max-false", "0.25"]) == 0
    out = capsys.readouterr().out
    assert "reader_min_margin = 2.0000" in out
    assert "| b | reported | 2 | 1.000 | 2 | 1.000 |" in out
    main([str(path), "--fit", "a", "--report", "b", "--max-false", "0.25", "--leave-one-out"])
    # a held out: the gate fitted on b alone keeps b's two answers (-1.0 and 0.5) at 25%.
    assert "| a | -1.000 | 0.000 | — | — |" in capsys.readouterr().out
    with pytest.raises(InputError, match="no results for c"):
        main([str(path), "--fit", "c"])


def test_a_gate_on_quantity_questions_only_leaves_the_others_to_the_judge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        _row(True, -4.0, asks_number=False),  # a how or why question the reader reads badly
        _row(True, 3.0, asks_number=True),
        _row(False, -2.0, asks_number=True),
        _row(False, -6.0, asks_number=False),
    ]
    scoped = on_quantity_questions(rows)
    assert rates(rows, 0.0)["false-abstain"] == 0.5
    assert rates(scoped, 0.0)["false-abstain"] == 0.0
    assert rates(scoped, 0.0)["abstain"] == 0.5  # the one that asks a number
    # Only quantity questions bind the gate: -4.0 no longer holds it down.
    assert choose_gate([rows], 0.0) == -4.0
    assert choose_gate([scoped], 0.0) == 3.0

    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(dict(r, set="a")) + "\n" for r in rows))
    main([str(path), "--fit", "a", "--max-false", "0", "--quantity-questions-only"])
    assert "reader_min_margin = 3.0000 (fitted on a, on quantity questions only)" in (
        capsys.readouterr().out
    )
    with pytest.raises(InputError, match="drop --quantity-questions-only"):
        main([str(path), "--fit", "a", "--quantity-questions-only", "--write"])
