"""bench.load's arguments and table (the load itself is run by hand, not in the suite)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.load import ERROR_STATUS, QUESTIONS, Run, format_table, parse_args, read_questions


def test_arguments() -> None:
    args = parse_args(["--url", "http://127.0.0.1:8000"])
    assert args.concurrency == [1, 8, 32] and args.duration == 60 and not args.ignore_retry_after
    args = parse_args(["--index-dir", "var/index", "--concurrency", "4,16", "--duration", "5"])
    assert (
        args.concurrency == [4, 16] and args.duration == 5 and args.index_dir == Path("var/index")
    )
    for wrong in ([], ["--url", "u", "--index-dir", "d"], ["--url", "u", "--concurrency", "0"]):
        with pytest.raises(SystemExit):
            parse_args(wrong)


def test_questions_mix_languages_and_read_from_a_file(tmp_path: Path) -> None:
    assert any("가" <= ch <= "힣" for q in QUESTIONS for ch in q)
    assert any(q.isascii() for q in QUESTIONS)
    path = tmp_path / "questions.jsonl"
    path.write_text('{"question": "NSTRI는?"}\n\nwhat is NSTRI?\n', encoding="utf-8")
    assert read_questions(path) == ["NSTRI는?", "what is NSTRI?"]
    assert read_questions(None) == list(QUESTIONS)


def test_table_counts_statuses_and_percentiles() -> None:
    run = Run(
        concurrency=32,
        seconds=2.0,
        statuses=Counter({200: 100, 503: 40, 500: 1, ERROR_STATUS: 1}),
        admitted_ms=[float(ms) for ms in range(1, 101)],
        refused_ms=[2.0] * 40,
    )
    table = format_table([run, Run(concurrency=1, seconds=1.0)]).splitlines()
    assert table[0].startswith("| concurrency |") and set(table[1]) <= {"|", "-"}
    cells = [cell.strip() for cell in table[2].strip("|").split("|")]
    assert cells == ["32", "2.0", "71.0", "50.0", "100", "40", "2", "50", "95", "99", "2", "2"]
    assert table[3].count("—") == 5
