"""Ctrl-C at any stage of a build leaves nothing half-written: no staging folder, the served
build untouched, the build lock free; and it is heard at once, even in a long article."""

import importlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from index.builder import BuildResult, build_index
from index.store import CURRENT_FILE, STAGING_PREFIX, IndexStore
from rag.chunking import Chunker
from rag.config import Settings
from rag.embedding.encoder import Encoder
from tests.conftest import ENGLISH_NEWS, SEED

INTERRUPT_HEARD_S = 2.0  # the longest a build may run on after SIGINT


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt here, as in a terminal, even if pytest runs with it
    ignored (started in the background)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _served_index(
    settings: Settings, tmp_path: Path, *, cold_cache: bool = False
) -> tuple[Settings, str]:
    """Settings for a copy of the session's index (one build served), with empty embedding
    and chunk caches if ``cold_cache``; and the name of the served build."""
    index_dir = tmp_path / "index"
    shutil.copytree(settings.service.index_dir, index_dir, ignore=shutil.ignore_patterns(".lock"))
    cache_dir = tmp_path / "cache" if cold_cache else settings.service.cache_dir
    target = settings.but(index_dir=index_dir, cache_dir=cache_dir)
    return target, (index_dir / CURRENT_FILE).read_text()


def _assert_nothing_left(target: Settings, served: str) -> None:
    assert (target.service.index_dir / CURRENT_FILE).read_text() == served
    assert list((target.service.index_dir / "builds").glob(STAGING_PREFIX + "*")) == []
    with IndexStore(target.service.index_dir).building():  # released on the way out
        pass


def _news(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "news.jsonl"
    with ENGLISH_NEWS.open(encoding="utf-8") as source:
        rows = [row for row in map(json.loads, source) if row.get("text")][:count]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# Where each stage's work starts: (object, attribute) to wrap.
STAGES: dict[str, Callable[[Encoder], tuple[Any, str]]] = {
    "reading": lambda _: ("rag.ingest", "_read_jsonl"),
    "cleaning": lambda _: ("rag.pipeline", "clean_text"),
    "chunking": lambda _: (Chunker, "split"),
    "embedding": lambda encoder: (encoder, "encode_passages"),
    "writing": lambda _: ("index.builder", "write_jsonl"),
}


STORED = ("chunking", "embedding")  # stages whose results the caches keep


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(STAGES))
def test_an_interrupt_at_any_stage_leaves_the_served_build_and_no_staging(
    stage: str,
    settings: Settings,
    encoder: Encoder,
    built: BuildResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sigint_raises: None,
) -> None:
    # Chunks and vectors stored by earlier builds would skip those stages' work.
    target, served = _served_index(settings, tmp_path, cold_cache=stage in STORED)
    owner, name = STAGES[stage](encoder)
    if isinstance(owner, str):
        owner = importlib.import_module(owner)
    original = getattr(owner, name)
    calls = []

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        calls.append(stage)
        os.kill(os.getpid(), signal.SIGINT)  # heard at the next step of this thread
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_index([SEED, _news(tmp_path, 5)], target, encoder, progress=False)
    assert calls == [stage]
    _assert_nothing_left(target, served)


def test_an_interrupt_while_chunking_the_longest_article_allowed_is_heard_at_once(
    settings: Settings,
    encoder: Encoder,
    built: BuildResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sigint_raises: None,
) -> None:
    target, served = _served_index(settings, tmp_path, cold_cache=True)
    prose = "\n\n".join(json.loads(line).get("text") or "" for line in ENGLISH_NEWS.open())
    article = tmp_path / "long.txt"  # just under max_article_chars: seconds of chunking
    article.write_text(prose[: target.index.max_article_chars - 1000], encoding="utf-8")
    chunking = threading.Event()
    original = Chunker.split

    def split(self: Chunker, article_id: str, text: str, lang: str | None = None) -> Any:
        chunking.set()
        return original(self, article_id, text, lang)

    monkeypatch.setattr(Chunker, "split", split)
    sent: list[float] = []

    def interrupt() -> None:
        if chunking.wait(timeout=120):
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

    sender = threading.Thread(target=interrupt, daemon=True)
    sender.start()
    with pytest.raises(KeyboardInterrupt):
        build_index([article], target, encoder, progress=False)
    heard = time.monotonic() - sent[0]
    sender.join()
    assert heard < INTERRUPT_HEARD_S
    _assert_nothing_left(target, served)
