"""What the routes disclose: /health names the build's inputs, never where they lie."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from cli.main import main
from index.builder import BuildResult
from rag.config import Settings
from rag.engine import SearchEngine
from tests.conftest import a_slip


def test_health_gives_input_names_not_paths(
    server: str,
    settings: Settings,
    built: BuildResult,
    corpus_paths: list[Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    manifest = httpx.get(f"{server}/health", timeout=10).json()["manifest"]
    assert manifest["inputs"] == [path.name for path in corpus_paths]
    assert all("/" not in name for name in manifest["inputs"])
    assert str(settings.service.index_dir) not in json.dumps(manifest)
    # The operator's `rag stats` still shows the paths.
    assert main(["stats", "--json", "--index-dir", str(settings.service.index_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["inputs"] == [str(p) for p in corpus_paths]


def test_ask_names_the_words_it_took_for_slips(server: str, engine: SearchEngine) -> None:
    typo, word = a_slip(engine)
    answer = httpx.post(f"{server}/ask", json={"question": f"{typo} study"}, timeout=30).json()
    searched = answer["corrections"][typo]
    assert engine.analyzer.word_terms(searched) == engine.analyzer.word_terms(word)
    spelt = httpx.post(f"{server}/ask", json={"question": f"{word} study"}, timeout=30).json()
    assert spelt["corrections"] == {}
