"""Shared fixtures: one real model, one small real index, one real HTTP server per session.

The corpus is the bundled seed article and the first articles of the Korean science news and
of the English health news from ``../shared`` (read in place, never copied into the project).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from index.builder import BuildResult, build_index
from index.live import LiveIndex
from index.store import IndexStore
from rag.config import Settings
from rag.crosslingual import Lexicon, Translator
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.lexical.analyzer import LexicalAnalyzer

ROOT = Path(__file__).resolve().parent.parent
# The shared data sits beside the checkout (in CI too); RAG_SHARED_DIR points elsewhere.
SHARED = Path(os.environ.get("RAG_SHARED_DIR", ROOT.parent / "shared"))
SEED = ROOT / "data" / "demo" / "000_771074c669c86fd7.txt"
KOREAN_NEWS = SHARED / "corpora" / "science-news-ko" / "articles.jsonl"
ENGLISH_NEWS = SHARED / "corpora" / "health-news-en" / "articles.jsonl"
# The test index: the seed and the first articles of each news corpus (enough for both
# languages and across them; fewer keep the session's cold build short).
KOREAN_SLICE = 12
ENGLISH_SLICE = 6
SESSION_ARTICLES = 1 + KOREAN_SLICE + ENGLISH_SLICE


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(index_dir=tmp_path_factory.mktemp("index"), reload_interval_s=0.5)


@pytest.fixture(scope="session")
def encoder(settings: Settings) -> Encoder:
    return Encoder(settings)


@pytest.fixture(scope="session")
def torch_encoder(settings: Settings) -> Encoder:
    """The same model on PyTorch (the default backend is ONNX Runtime)."""
    return Encoder(settings.but(encoder_backend="torch"))


@functools.cache
def shared_analyzer() -> LexicalAnalyzer:
    """One analyzer for the tests that build no index: loading kiwipiepy's model takes seconds.
    With as many threads as the index build's analyzer, it shares that one's model."""
    return LexicalAnalyzer(workers=-1)


@pytest.fixture(scope="session")
def analyzer() -> LexicalAnalyzer:
    return shared_analyzer()


def english_translator(encoder: Encoder, words: list[str]) -> Translator:
    """A translator into a small English lexicon of ``words``."""
    analyzer = shared_analyzer()
    lexicon = Lexicon(
        "en", words, [analyzer.word_terms(w) for w in words], encoder.encode_queries(words)
    )
    return Translator({"en": lexicon}, analyzer, encoder.encode_queries, cache_size=10)


def _first_articles(corpus: Path, count: int, target: Path) -> Path:
    """The first ``count`` articles of ``corpus`` that have a text, written to ``target``."""
    with corpus.open(encoding="utf-8") as source:
        rows = [json.loads(line) for line in source]
    with_text = [row for row in rows if row.get("text")][:count]
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in with_text))
    return target


@pytest.fixture(scope="session")
def corpus_paths(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("news")
    korean = _first_articles(KOREAN_NEWS, KOREAN_SLICE, folder / "science-news-slice.jsonl")
    english = _first_articles(ENGLISH_NEWS, ENGLISH_SLICE, folder / "health-news-slice.jsonl")
    return [SEED.parent, korean, english]


@pytest.fixture(scope="session")
def built(settings: Settings, encoder: Encoder, corpus_paths: list[Path]) -> BuildResult:
    return build_index(corpus_paths, settings, encoder, progress=False)


@pytest.fixture(scope="session")
def live_index(settings: Settings, encoder: Encoder, built: BuildResult) -> LiveIndex:
    return LiveIndex(settings, encoder)


@pytest.fixture(scope="session")
def engine(live_index: LiveIndex) -> SearchEngine:
    return live_index.snapshot.engine


def a_slip(engine: SearchEngine) -> tuple[str, str]:
    """A word of an English passage of ``engine``'s index, and the same word with a typing slip
    (a letter dropped from its middle) that no passage holds: (slip, word)."""
    passage = next(c for c in engine.corpus.chunks if c.lang == "en")
    words = (w for w in re.findall(r"[a-z]{9,}", passage.text) if engine.analyzer.word_terms(w))
    word = max(words, key=len)
    slip = word[:4] + word[5:]
    assert engine.analyzer.word_terms(slip)[0] not in engine.bm25.idf
    return slip, word


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server(settings: Settings, live_index: LiveIndex) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 serving the session's index; yields its base URL."""
    from api.app import create_app

    with running_server(create_app(settings, live=live_index)) as base:
        yield base


@contextmanager
def running_server(app: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn server on 127.0.0.1 (in a thread); yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        pytest.fail("server did not start")
    try:
        yield base
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


class BackgroundCluster:
    """The tests' Ray cluster, started and stopped in a thread: Ray's start (about 13 s) and
    stop (about 7 s) mostly wait on its processes, so other tests run meanwhile."""

    def __init__(self, nodes: int) -> None:
        from bench.ray_build import start_cluster

        self._pool = ThreadPoolExecutor(max_workers=1)
        self._started = self._pool.submit(start_cluster, nodes)
        self._stopped: Future[None] | None = None

    def address(self) -> str:
        if self._stopped is not None:
            raise RuntimeError("the tests' Ray cluster was stopped after its last test")
        return self._started.result()

    def stop_soon(self) -> None:
        """Stop once started, without waiting; this process's connection is closed first
        (here, in the calling thread, as Ray expects)."""
        if self._stopped is None:
            import ray

            from bench.ray_build import stop_nodes

            ray.shutdown()
            self._stopped = self._pool.submit(stop_nodes)  # one worker: after the start

    def wait_stopped(self) -> None:
        self.stop_soon()
        assert self._stopped is not None
        self._stopped.result()
        self._pool.shutdown()


_RAY_CLUSTER = pytest.StashKey[BackgroundCluster]()
_LAST_RAY_TEST = pytest.StashKey[str]()


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: only the tests that will run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    users = [item for item in items if "ray_cluster" in getattr(item, "fixturenames", ())]
    runs = not config.option.collectonly
    if users and runs and importlib.util.find_spec("ray") is not None:
        config.stash[_RAY_CLUSTER] = BackgroundCluster(nodes=2)
        config.stash[_LAST_RAY_TEST] = users[-1].nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield  # the item's own fixtures (a Serve application on the cluster) go first
    if item.nodeid == item.config.stash.get(_LAST_RAY_TEST, None):
        item.config.stash[_RAY_CLUSTER].stop_soon()


def pytest_sessionfinish(session: pytest.Session) -> None:
    cluster = session.config.stash.get(_RAY_CLUSTER, None)
    if cluster is not None:
        cluster.wait_stopped()


@pytest.fixture(scope="session")
def ray_cluster(pytestconfig: pytest.Config) -> str:
    """A real Ray cluster of two nodes (one CPU each) on 127.0.0.1, shared by the tests that
    build or serve on Ray (skipped where the ray extra is not installed); its address."""
    pytest.importorskip("ray")
    return pytestconfig.stash[_RAY_CLUSTER].address()


def ray_actor_pids(title: str) -> list[int]:
    """Processes of Ray actors whose title holds ``title`` (Ray titles them ``ray::...``)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                line = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if line.startswith("ray::") and title in line:
                pids.append(int(proc.name))
    return pids


@pytest.fixture(scope="session")
def seed_build(
    settings: Settings, encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The folder of an index build of the seed article alone, built once: tests copy it into
    index roots of their own (:func:`index_with_copies`) to swap builds in a second."""
    target = settings.but(index_dir=tmp_path_factory.mktemp("seed-index"))
    return build_index([SEED], target, encoder, progress=False).folder


def index_with_copies(build: Path, root: Path, names: list[str]) -> IndexStore:
    """An index root holding ``build`` under each of ``names``; ``CURRENT`` names the first."""
    store = IndexStore(root)
    for name in names:
        shutil.copytree(build, store.builds / name)
    store.point_to(names[0])
    return store
