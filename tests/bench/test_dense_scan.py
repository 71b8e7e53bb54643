import pytest

from bench.dense_scan import main, measure


def test_both_ways_are_timed_on_the_same_queries() -> None:
    separate, together = measure(2000, 0.3, 50, queries=5)
    assert separate > 0 and together > 0


def test_the_table_has_a_row_per_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--passages", "500", "800", "--queries", "3", "--candidates", "20"]) == 0
    printed = capsys.readouterr().out
    assert "| 500 |" in printed and "| 800 |" in printed
