"""An archive that grows and shrinks: `rag build --add` indexes new files besides the served
build's inputs, encoding only the new passages; `rag delete` rebuilds without some articles,
and every later rebuild of the inputs keeps them out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cli.main import EXIT_USER_ERROR, main
from index.files import ARTICLES_FILE, read_jsonl
from index.manifest import Manifest
from index.reindex import build_command
from index.store import IndexStore
from rag.embedding.encoder import Encoder
from tests.cli.test_build_guards import _use_encoder
from tests.conftest import KOREAN_NEWS, SEED


def _served(index_dir: Path) -> tuple[Manifest, list[str]]:
    folder = IndexStore(index_dir).current()
    assert folder is not None
    return Manifest.read(folder), [str(r["id"]) for r in read_jsonl(folder / ARTICLES_FILE)]


def _korean_news(folder: Path, count: int) -> tuple[Path, list[dict[str, Any]]]:
    """A file of the first ``count`` Korean news articles, and their records."""
    rows = [json.loads(line) for line in KOREAN_NEWS.open(encoding="utf-8")][:count]
    news = folder / "news.jsonl"
    news.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return news, rows


def test_add_then_delete_keeps_the_inputs_and_leaves_deleted_articles_out(
    encoder: Encoder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _use_encoder(monkeypatch, encoder)
    news, rows = _korean_news(tmp_path, 3)
    index_dir = str(tmp_path / "index")

    assert main(["build", "--quiet", "--index-dir", index_dir, str(SEED)]) == 0
    first, first_ids = _served(Path(index_dir))
    capsys.readouterr()

    assert main(["build", "--add", "--quiet", "--index-dir", index_dir, str(news)]) == 0
    out = capsys.readouterr().out
    added, added_ids = _served(Path(index_dir))
    assert added.inputs == [*first.inputs, str(news)]
    assert set(added_ids) == set(first_ids) | {str(r["id"]) for r in rows}
    # The seed's passages came from the embedding cache: only the new ones were encoded.
    assert added.counts["encoded"] < added.counts["chunks"]
    assert f"{added.counts['encoded']} encoded" in out
    # The seed's chunks were kept by the first build: only the new articles may be cut.
    cut = re.search(r"(\d+) articles? cut", out)
    assert cut is not None and int(cut.group(1)) <= len(rows)

    gone = str(rows[1]["id"])
    assert main(["delete", "--quiet", "--index-dir", index_dir, gone]) == 0
    assert "0 articles cut" in capsys.readouterr().out  # every article was met before
    deleted, deleted_ids = _served(Path(index_dir))
    assert gone not in deleted_ids and set(deleted_ids) == set(added_ids) - {gone}
    assert deleted.inputs == added.inputs and deleted.excluded == [gone]
    assert deleted.counts["encoded"] == 0  # nothing new to embed

    # Adding again, or a reindex of the inputs, keeps the deleted article out.
    assert main(["build", "--add", "--quiet", "--index-dir", index_dir, str(news)]) == 0
    again, again_ids = _served(Path(index_dir))
    assert gone not in again_ids and again.excluded == [gone]
    command, _ = build_command([Path(p) for p in again.inputs], 0, again.excluded)
    assert f"--exclude={gone}" in command

    capsys.readouterr()
    assert main(["delete", "--index-dir", index_dir, "no-such-article"]) == EXIT_USER_ERROR
    assert "no article no-such-article in the served build" in capsys.readouterr().err
    assert _served(Path(index_dir))[0].build_id == again.build_id  # nothing rebuilt


def test_a_corrected_article_added_again_replaces_its_passages(
    encoder: Encoder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _use_encoder(monkeypatch, encoder)
    news, rows = _korean_news(tmp_path, 2)
    index_dir = str(tmp_path / "index")
    assert main(["build", "--quiet", "--index-dir", index_dir, str(news)]) == 0

    old_sentence = rows[0]["text"].split(".")[0]
    fixed = {**rows[0], "text": rows[0]["text"].replace(old_sentence, "정정: 수치를 바로잡았다")}
    correction = tmp_path / "correction.jsonl"
    correction.write_text(json.dumps(fixed, ensure_ascii=False) + "\n")
    assert main(["build", "--add", "--quiet", "--index-dir", index_dir, str(correction)]) == 0

    _, ids = _served(Path(index_dir))
    assert sorted(ids) == sorted(str(r["id"]) for r in rows)  # replaced, not doubled
    folder = IndexStore(Path(index_dir)).current()
    assert folder is not None
    texts = [str(c["text"]) for c in read_jsonl(folder / "chunks.jsonl")]
    assert any("정정: 수치를 바로잡았다" in text for text in texts)
    assert not any(old_sentence in text for text in texts)  # the old passage is gone
    assert "replaced by a later version" in capsys.readouterr().err


def test_add_and_delete_need_a_served_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = str(tmp_path / "empty")
    assert main(["build", "--add", "--index-dir", empty, str(SEED)]) == EXIT_USER_ERROR
    assert main(["delete", "--index-dir", empty, "x"]) == EXIT_USER_ERROR
    assert capsys.readouterr().err.count("build one with `rag build PATH...` first") == 2
