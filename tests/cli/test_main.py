import json
import shutil
from pathlib import Path

import pytest

from cli.main import EXIT_USER_ERROR, main
from index.builder import BuildResult
from index.manifest import FORMAT_VERSION, MANIFEST_FILE
from index.store import IndexStore
from rag.config import Settings
from tests.conftest import SESSION_ARTICLES


def test_ask_json_cites_the_seed(
    settings: Settings, built: BuildResult, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ask", "--json", "--index-dir", str(settings.service.index_dir), "what is NSTRI?"])
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["found"] and "NSTRI" in answer["passages"][0]["text"]


def test_ask_prints_readable_citations(
    settings: Settings, built: BuildResult, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--index-dir", str(settings.service.index_dir), "NSTRI는 무엇인가요?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q: NSTRI는 무엇인가요?") and "[1]" in out and "characters" in out


def test_ask_says_which_words_it_searched_as_slips(capsys: pytest.CaptureFixture[str]) -> None:
    from cli.ask import print_answer
    from rag.answer import Answer

    answer = Answer("vacine trials", True, "Found 0 cited passages.", [], 0.9)
    answer.corrections = {"vacine": "vaccine"}
    print_answer(answer)
    assert capsys.readouterr().out.splitlines()[:2] == [
        "Q: vacine trials",
        "(searched with vacine → vaccine)",
    ]


def test_stats_shows_counts(
    settings: Settings, built: BuildResult, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--json", "--index-dir", str(settings.service.index_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["articles"] == SESSION_ARTICLES
    assert main(["stats", "--index-dir", str(settings.service.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "chunking  320 tokens, 48 overlap, 32 title" in out and '"bm25_k1": 1.2' in out
    assert "encoded   passages by openvino-bf16, questions by onnx when built" in out
    assert "search    dense Flat (exact); titles Flat (exact)" in out  # under the ANN threshold


def test_user_errors_exit_2_with_one_line(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "missing")]) == EXIT_USER_ERROR
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["stats", "--index-dir", str(tmp_path / "empty")]) == EXIT_USER_ERROR
    assert "no index at" in capsys.readouterr().err
    assert main(["stats", "--set", "top_k=zero"]) == EXIT_USER_ERROR
    assert "invalid setting" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="no setting is called 'chunk_size'"):
        main(["stats", "--set", "chunk_size=5"])


def test_serve_refuses_an_index_of_an_older_format_in_one_line(
    settings: Settings, built: BuildResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = IndexStore(settings.service.index_dir).current()
    assert current is not None
    old = tmp_path / "old"
    shutil.copytree(settings.service.index_dir, old, ignore=shutil.ignore_patterns(".lock"))
    manifest = old / current.relative_to(settings.service.index_dir) / MANIFEST_FILE
    fields = json.loads(manifest.read_text())
    fields["format_version"] = FORMAT_VERSION - 1
    manifest.write_text(json.dumps(fields))
    assert main(["serve", "--index-dir", str(old), "--no-build"]) == EXIT_USER_ERROR
    error = capsys.readouterr().err
    assert f"format version {FORMAT_VERSION - 1}" in error and "Traceback" not in error
