import json

import pytest

from cli.main import EXIT_USER_ERROR, main
from index.builder import BuildResult
from rag.config import Settings


def test_ask_json_cites_the_seed(
    settings: Settings, built: BuildResult, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ask", "--json", "--index-dir", str(settings.index_dir), "what is NSTRI?"])
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["found"] and "NSTRI" in answer["passages"][0]["text"]


def test_ask_prints_readable_citations(
    settings: Settings, built: BuildResult, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--index-dir", str(settings.index_dir), "NSTRI는 무엇인가요?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q: NSTRI는 무엇인가요?") and "[1]" in out and "characters" in out


def test_stats_shows_counts(
    settings: Settings, built: BuildResult, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--json", "--index-dir", str(settings.index_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["articles"] == 76


def test_user_errors_exit_2_with_one_line(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "missing")]) == EXIT_USER_ERROR
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["stats", "--index-dir", str(tmp_path / "empty")]) == EXIT_USER_ERROR
    assert "no index at" in capsys.readouterr().err
    assert main(["stats", "--set", "top_k=zero"]) == EXIT_USER_ERROR
    assert "invalid setting" in capsys.readouterr().err
