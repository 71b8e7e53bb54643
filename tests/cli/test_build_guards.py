"""`rag build` guard rails: non-text input skipped and reported, one build per index at a
time, and Ctrl-C stopping a build at once with nothing half-written."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cli.main import EXIT_INTERRUPTED, EXIT_USER_ERROR, main
from index.builder import BuildResult
from index.files import SKIPPED_FILE, read_jsonl
from index.store import CURRENT_FILE, STAGING_PREFIX, IndexStore
from rag.config import Settings
from rag.embedding.encoder import Encoder
from tests.conftest import ENGLISH_NEWS, ROOT, SEED
from tests.index.test_lock import lock_held_elsewhere

# English articles in the interrupted build: enough that embedding them (cold cache) takes
# far longer than the test waits.
INTERRUPTED_ARTICLES = 60  # enough passages that embedding is still running at the signal
INTERRUPT_EXIT_S = 3.0  # the longest a build may take to exit after SIGINT
STAGE_TIMEOUT_S = 180.0  # the longest the interrupted build may take to reach embedding
GIANT_CHARS = 50_000_000


def _use_encoder(monkeypatch: pytest.MonkeyPatch, encoder: Encoder | None) -> None:
    """`rag build` in this process gets the session's model, or fails the test if it loads
    one at all (``None``)."""

    def load(settings: Settings) -> Encoder:
        if encoder is None:
            pytest.fail("the model was loaded")
        return encoder

    monkeypatch.setattr("rag.embedding.encoder.Encoder", load)


def test_binary_input_is_skipped_printed_and_listed(
    encoder: Encoder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus)
    noise = corpus / "noise.txt"
    noise.write_bytes(os.urandom(200_000))
    _use_encoder(monkeypatch, encoder)
    index_dir = tmp_path / "index"
    assert main(["build", "--quiet", "--index-dir", str(index_dir), str(corpus)]) == 0
    out, err = capsys.readouterr()
    assert "1 articles" in out and "1 records skipped" in out
    assert f"skipped {noise}: binary data (NUL bytes)" in err
    folder = IndexStore(index_dir).current()
    assert folder is not None
    assert [row["origin"] for row in read_jsonl(folder / SKIPPED_FILE)] == [str(noise)]


def test_a_second_build_of_one_index_fails_at_once_before_loading_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "index"
    _use_encoder(monkeypatch, None)
    with lock_held_elsewhere(index_dir) as pid:
        code = main(["build", "--index-dir", str(index_dir), str(SEED)])
    assert code == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"rag: error: another build is running on {index_dir} (process {pid})")
    assert not (index_dir / "builds").exists()


def _restore_sigint() -> None:
    # A child inherits an ignored SIGINT (pytest run as a background job); a terminal's
    # Ctrl-C reaches `rag build` with the default disposition, as here.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_while_embedding_stops_the_build_at_once_leaving_nothing(
    settings: Settings, built: BuildResult, tmp_path: Path
) -> None:
    # An index with a build already served, and a cold embedding cache.
    index_dir = tmp_path / "index"
    shutil.copytree(settings.service.index_dir, index_dir, ignore=shutil.ignore_patterns(".lock"))
    served = (index_dir / CURRENT_FILE).read_text()
    corpus = tmp_path / "news.jsonl"
    with ENGLISH_NEWS.open(encoding="utf-8") as source:
        rows = [row for row in map(json.loads, source) if row.get("text")]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows[:INTERRUPTED_ARTICLES]))
    # The reported case: one 50 MB article, which used to hold the build in cleaning and
    # chunking for minutes; it is skipped on its size, unread. Its sentences are all
    # different (cleaning drops a repeated one): the corpus's words drawn at random.
    vocabulary = sorted({word for row in rows[:50] for word in row["text"].split()})
    words = random.Random(0).choices(vocabulary, k=GIANT_CHARS // 8)
    sentences = (" ".join(words[i : i + 12]) for i in range(0, len(words), 12))
    giant = tmp_path / "giant.txt"
    giant.write_text(". ".join(sentences), encoding="utf-8")
    assert giant.stat().st_size > GIANT_CHARS * 0.9
    env = {**os.environ, "RAG_CACHE_DIR": str(tmp_path / "cache")}
    command = ["build", "--index-dir", str(index_dir), str(corpus), str(giant)]
    build = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_restore_sigint,
    )
    assert build.stderr is not None
    stderr = bytearray()
    embedding = threading.Event()

    def read_progress() -> None:  # the progress bars, written with \r and no newline
        assert build.stderr is not None
        try:
            while chunk := os.read(build.stderr.fileno(), 4096):
                stderr.extend(chunk)
                if b"embed:" in stderr:
                    embedding.set()
        finally:
            embedding.set()  # at its end too, so that a failed build fails the test at once

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    try:
        assert embedding.wait(STAGE_TIMEOUT_S) and build.poll() is None, bytes(stderr)[-2000:]
        interrupted = time.monotonic()
        build.send_signal(signal.SIGINT)
        code = build.wait(timeout=60)
        took = time.monotonic() - interrupted
    finally:
        if build.poll() is None:
            build.kill()
    reader.join(timeout=10)
    err = stderr.decode(errors="replace")
    assert code == EXIT_INTERRUPTED, err[-2000:]
    assert took < INTERRUPT_EXIT_S, f"exited {took:.1f} s after SIGINT"
    last = err.strip().splitlines()[-1]
    assert last == f"rag: build interrupted; {index_dir} still serves {served.strip()}"
    assert "Traceback" not in err
    assert (index_dir / CURRENT_FILE).read_text() == served
    assert list((index_dir / "builds").glob(STAGING_PREFIX + "*")) == []
    with IndexStore(index_dir).building():  # the lock went with the process
        pass
