"""``rag serve`` hands the HTTP settings to uvicorn."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

import index.live
import rag.embedding.encoder
from cli.main import main
from index.live import LiveIndex
from rag.config import Settings
from rag.embedding.encoder import Encoder


def test_serve_passes_the_keep_alive_timeout_to_uvicorn(
    settings: Settings, encoder: Encoder, live_index: LiveIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session's model and index instead of loading them again: only the hand-over counts.
    monkeypatch.setattr(rag.embedding.encoder, "Encoder", lambda _: encoder)
    monkeypatch.setattr(index.live, "LiveIndex", lambda *_: live_index)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    argv = ["serve", "--no-build", "--index-dir", str(settings.service.index_dir), "--port", "8123"]
    assert main([*argv, "--set", "keep_alive_timeout_s=17"]) == 0
    assert calls[0]["timeout_keep_alive"] == 17 and calls[0]["port"] == 8123


def test_serve_on_ray_refuses_bad_shards_and_a_missing_cluster_in_one_line(
    settings: Settings, built: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ray")
    from bench.http import free_port
    from cli.main import EXIT_USER_ERROR

    index_dir = str(settings.service.index_dir)
    args = ["serve", "--no-build", "--index-dir", index_dir, "--ray"]
    assert main([*args, "auto", "--shards", "0"]) == EXIT_USER_ERROR
    assert "--shards must be at least 1, not 0" in capsys.readouterr().err
    nowhere = f"127.0.0.1:{free_port()}"
    assert main([*args, nowhere]) == EXIT_USER_ERROR
    assert f"no Ray cluster at {nowhere}" in capsys.readouterr().err
