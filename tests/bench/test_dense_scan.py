import pytest

from bench.dense_scan import main, measure


def test_every_kind_of_search_is_timed_three_ways() -> None:
    figures = measure(2000, 0.3, 0.05, 50, queries=5)
    assert len(figures) == 5
    assert any(kind.startswith("feedback round") for kind in figures)
    assert all(min(times) > 0 for times in figures.values())
    assert all(len(times) == 3 for times in figures.values())


def test_the_table_has_a_row_per_size_and_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--passages", "500", "800", "--queries", "3", "--candidates", "20"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("| 500 |") == 5 and printed.count("| 800 |") == 5
