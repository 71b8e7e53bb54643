"""The Ray build on a real local cluster: a head and a second node, one CPU each, on
127.0.0.1 (skipped where the ray extra is not installed)."""

import os
import shutil
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.builder import build_index
from index.files import ARTICLES_FILE, CHUNKS_FILE, read_jsonl
from index.store import IndexStore
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import ClusterError, InputError
from tests.conftest import SEED, ray_actor_pids

ray = pytest.importorskip("ray")
from bench.http import free_port  # noqa: E402
from bench.ray_build import SAME_COSINE, least_row_cosine, write_corpus  # noqa: E402  (needs ray)

ARTICLES_PER_CORPUS = 2


@pytest.fixture(scope="module")
def cluster(ray_cluster: str) -> str:
    return ray_cluster


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed and a few Korean and English news articles (a subset of the session's test
    corpus, whose vectors the embedding cache holds)."""
    folder = tmp_path_factory.mktemp("ray-corpus")
    (folder / SEED.name).write_text(SEED.read_text("utf-8"), "utf-8")
    write_corpus(folder, ARTICLES_PER_CORPUS)
    return folder


def _vectors(folder: Path) -> np.ndarray:
    return np.load(folder / "dense" / "vectors.npy")


def _same_passages(built: Path, reference: Path) -> None:
    """Row for row the same passages' vectors, within bfloat16's batching (SAME_COSINE)."""
    ours, theirs = _vectors(built), _vectors(reference)
    assert ours.shape == theirs.shape
    assert least_row_cosine(ours, theirs) > SAME_COSINE


def test_a_ray_build_with_a_worker_killed_mid_build_is_the_local_build(
    cluster: str,
    small_corpus: Path,
    settings: Settings,
    encoder: Encoder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from index import ray_build

    # Builds' batches run on OpenVINO in bfloat16 (the default), locally and in the model
    # actors: an actor loads the model in a second, not PyTorch's in ten.
    assert settings.encoder.build_encoder_backend == "openvino-bf16"
    local = build_index(
        [small_corpus], settings.but(index_dir=tmp_path / "local"), encoder, progress=False
    )

    # A model actor is killed as the first embedded article comes back: Ray restarts it and
    # runs its batch again (one article a batch, so batches are still running).
    killed: list[int] = []
    add = ray_build.CorpusWriter.add

    def add_then_kill(writer: ray_build.CorpusWriter, *args: Any) -> None:
        add(writer, *args)
        if not killed:
            pids = ray_actor_pids("ChunkAndEmbed")
            assert pids, "no model actor is running"
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    monkeypatch.setattr(ray_build.CorpusWriter, "add", add_then_kill)
    # Empty build caches: every article goes to the cluster.
    on_ray_settings = settings.but(
        index_dir=tmp_path / "ray", cache_dir=tmp_path / "cache", ray_batch_articles=1
    )
    on_ray = build_index(
        [small_corpus], on_ray_settings, encoder, progress=False, ray_address=cluster
    )
    assert len(killed) == 1
    job = ray.get_runtime_context().get_job_id()
    # Nothing lost or doubled: the local build's articles and chunks, byte for byte.
    for name in (ARTICLES_FILE, CHUNKS_FILE):
        assert (on_ray.folder / name).read_bytes() == (local.folder / name).read_bytes()
    assert on_ray.manifest.corpus_fingerprint == local.manifest.corpus_fingerprint
    assert on_ray.manifest.counts == {**local.manifest.counts, "encoded": on_ray.encoded}
    assert on_ray.encoded == local.manifest.counts["chunks"]  # every passage, by the workers
    _same_passages(on_ray.folder, local.folder)

    # What the workers made went to the build caches: the same build again sends nothing.
    again = build_index(
        [small_corpus], on_ray_settings, encoder, progress=False, ray_address=cluster
    )
    assert again.encoded == 0 and again.cut == 0
    # The same connection: Ray names the cluster by the node's own address, not the one asked
    # for, and reconnecting cost each build seconds.
    assert ray.get_runtime_context().get_job_id() == job
    for name in (ARTICLES_FILE, CHUNKS_FILE):
        assert (again.folder / name).read_bytes() == (local.folder / name).read_bytes()
    np.testing.assert_array_equal(_vectors(again.folder), _vectors(on_ray.folder))


def test_only_new_articles_go_to_the_cluster(
    cluster: str, settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    # The seed, built once with empty caches (few passages to encode), then a new article.
    cached = settings.but(cache_dir=tmp_path / "cache")
    grown = tmp_path / "grown"
    grown.mkdir()
    shutil.copy(SEED, grown / SEED.name)
    build_index([grown], cached.but(index_dir=tmp_path / "first"), encoder, progress=False)
    (grown / "new-story.txt").write_text(
        "A new story\n\nA hospital in Daejeon opened a clinic for rare diseases of the blood. "
        "It sees children first, and adults from next year.\n",
        "utf-8",
    )
    on_ray = build_index(
        [grown],
        cached.but(index_dir=tmp_path / "ray"),
        encoder,
        progress=False,
        ray_address=cluster,
    )
    local = build_index(
        [grown], settings.but(index_dir=tmp_path / "local"), encoder, progress=False
    )
    chunks = read_jsonl(on_ray.folder / CHUNKS_FILE)
    new_chunks = [c for c in chunks if "new-story" in str(c["article_id"])]
    assert new_chunks and on_ray.encoded == len(new_chunks)  # only the new article's passages
    assert on_ray.cut == 1
    for name in (ARTICLES_FILE, CHUNKS_FILE):
        assert (on_ray.folder / name).read_bytes() == (local.folder / name).read_bytes()
    _same_passages(on_ray.folder, local.folder)


def test_an_address_where_no_cluster_listens_is_refused_at_once(
    small_corpus: Path, settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=r"no Ray cluster at 127\.0\.0\.1:\d+"):
        build_index(
            [small_corpus],
            settings.but(index_dir=tmp_path / "index"),
            encoder,
            progress=False,
            ray_address=f"127.0.0.1:{free_port()}",
        )
    assert IndexStore(tmp_path / "index").current() is None


def test_a_worker_that_cannot_load_the_model_fails_the_build_clearly(
    cluster: str, settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    # The workers are given a model folder that does not exist (a node not provisioned); the
    # build caches are empty, so the seed goes to them.
    broken = settings.but(
        index_dir=tmp_path / "index",
        cache_dir=tmp_path / "cache",
        model=str(tmp_path / "no-model"),
    )
    with pytest.raises(ClusterError, match=r"the build failed on the Ray cluster: .*no-model"):
        build_index([SEED], broken, encoder, progress=False, ray_address=cluster)
    assert IndexStore(tmp_path / "index").current() is None  # nothing published
