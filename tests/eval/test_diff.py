"""Two eval runs side by side: their figures per set and the question results that differ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.diff import main


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _row(qid: str, ndcg: float, rank: int | None, abstained: bool, **more: object) -> dict:
    return {
        "set": "s",
        "question_id": qid,
        "method": "hybrid",
        "lang": "ko",
        "gold_lang": "en",
        "answerable": True,
        "has_answers": True,
        "ndcg10": ndcg,
        "answer_rank": rank,
        "abstained": abstained,
        "quoted": True,
        **more,
    }


def test_figures_and_differences_of_two_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    removed = {"set": "s", "question_id": "a", "method": "hybrid", "gold_removed": True}
    first = _write(
        tmp_path / "a.jsonl",
        [_row("a", 1.0, 1, False), _row("b", 0.5, 3, False), {**removed, "abstained": True}],
    )
    second = _write(
        tmp_path / "b.jsonl",
        [_row("a", 1.0, 1, False), _row("b", 0.25, 8, True), {**removed, "abstained": False}],
    )
    assert main([str(first), str(second)]) == 0
    out = capsys.readouterr().out
    # nDCG 0.75 / 0.625, hit@5 1 / 0.5, false abstention 0 / 0.5, gold removed 1 / 0;
    # two results of three differ: one in nDCG and rank and abstention, one in abstention.
    assert "| s | 0.7500 / 0.6250 | 1.000 / 0.500 | 0.000 / 0.500 | — / — | 1.000 / 0.000 |" in out
    assert out.splitlines()[2].endswith("| 3 | 1 | 1 | 2 | 0 |")
    assert "| s | ko→en | 2 | 1.000 / 0.500 |" in out
