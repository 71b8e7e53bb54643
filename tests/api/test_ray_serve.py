"""``rag serve --ray``: the API as a Ray Serve application on a real local cluster (a head
and a second node, one CPU each, on 127.0.0.1), the dense vectors in two shard replicas.

Its answers over HTTP are the unsharded server's, and it swaps builds as ``rag serve`` does.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.http import free_port
from index.builder import BuildResult
from index.files import ARTICLES_FILE, read_jsonl
from index.store import IndexStore
from rag.config import Settings
from tests.conftest import index_with_copies, ray_actor_pids
from tests.rag.test_shards import QUESTIONS

pytest.importorskip("ray")

STARTUP_S = 120  # deploying: two shard replicas, the API replica loading the model and index


def _wait_until_serving(base: str) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail("the Ray Serve application did not start")


@pytest.fixture(scope="module")
def index_root(
    built: BuildResult, seed_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """An index root of its own: the session's build as ``news`` (served), the seed alone as
    ``seed`` (swapped in by a test)."""
    root = tmp_path_factory.mktemp("ray-serve-index")
    store = index_with_copies(built.folder, root, ["news"])
    shutil.copytree(seed_build, store.builds / "seed")
    return root


@pytest.fixture(scope="module")
def ray_server(ray_cluster: str, settings: Settings, index_root: Path) -> Iterator[str]:
    """The application on the cluster, its HTTP proxy on 127.0.0.1; yields its base URL."""
    from ray import serve

    from api import ray_serve

    served = settings.but(
        index_dir=index_root, ray_serve_shards=2, ray_shard_cpus=1, ray_api_cpus=0
    )
    port = free_port()
    ray_serve.deploy(served, ray_cluster, "127.0.0.1", port)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base)
        yield base
    finally:
        serve.shutdown()  # frees the cluster's CPUs for the Ray build tests


def test_sharded_answers_over_http_are_the_unsharded_servers(ray_server: str, server: str) -> None:
    """Same passages, same order, same everything, in both languages and across them."""
    with httpx.Client(timeout=60) as client:
        for question in QUESTIONS:
            for filters in ({}, {"lang": "ko"}, {"source": "nonexistent-outlet"}):
                body = {"question": question, "top_k": 5, "filters": filters}
                one = client.post(f"{server}/ask", json=body)
                sharded = client.post(f"{ray_server}/ask", json=body)
                assert sharded.status_code == one.status_code == 200
                assert sharded.json() == one.json(), (question, filters)
        assert one.json()["passages"] == []  # the filter left nothing: no error either
        # Errors are the service's own, through the Serve proxy too.
        bad = client.post(f"{ray_server}/ask", json={"question": ""})
        assert bad.status_code == 422 and bad.json()["error"] == "invalid_input"


def test_a_shard_replica_killed_is_restarted_and_loads_its_rows_again(
    ray_server: str, server: str
) -> None:
    """Ray Serve restarts the replica empty; the first search that finds it so loads its rows
    again and retries: the request still gets the unsharded answer."""
    pids = ray_actor_pids("ServeReplica:rag:dense-shard-0")
    assert len(pids) == 1
    os.kill(pids[0], signal.SIGKILL)
    body = {"question": QUESTIONS[0], "top_k": 5}
    sharded = httpx.post(f"{ray_server}/ask", json=body, timeout=STARTUP_S)
    assert sharded.status_code == 200
    assert sharded.json() == httpx.post(f"{server}/ask", json=body, timeout=60).json()
    assert ray_actor_pids("ServeReplica:rag:dense-shard-0") not in ([], pids)


def test_a_new_build_is_swapped_in_on_every_shard(ray_server: str, index_root: Path) -> None:
    store = IndexStore(index_root)
    assert httpx.get(f"{ray_server}/health").json()["build"] == "news"
    store.point_to("seed")
    deadline = time.monotonic() + 60
    while httpx.get(f"{ray_server}/health").json()["build"] != "seed":
        assert time.monotonic() < deadline, "the new build was not swapped in"
        time.sleep(0.5)
    answer = httpx.post(
        f"{ray_server}/ask",
        json={"question": "서울대병원이 보스턴에서 소개한 플랫폼은?"},
        timeout=60,
    ).json()
    # Only the seed's passages can be cited now: the shards serve the new build's rows.
    seed_ids = {row["id"] for row in read_jsonl(store.builds / "seed" / ARTICLES_FILE)}
    assert answer["passages"]
    assert {p["article_id"] for p in answer["passages"]} <= seed_ids


def test_every_replica_drains_and_is_checked_at_the_configured_periods(
    settings: Settings,
) -> None:
    """The API and each shard stop as soon as their requests are done, polled every
    ``ray_drain_poll_s`` (Ray's own default, 2 s, held every stop for seconds), and a dead
    one is noticed within ``ray_health_check_s`` (Ray's default, 10 s, left a killed shard
    down for up to that long)."""
    from api import ray_serve

    app = ray_serve.application(
        settings.but(ray_drain_poll_s=0.3, ray_health_check_s=1.5, ray_serve_shards=2)
    )
    # Serve keeps a bound deployment's options on private attributes; no public reader.
    api = app._bound_deployment
    deployments = [api, *(shard._bound_deployment for shard in api.init_args[1:])]
    assert [d.name for d in deployments] == ["api", "dense-shard-0", "dense-shard-1"]
    configs = [d._deployment_config for d in deployments]
    assert {c.graceful_shutdown_wait_loop_s for c in configs} == {0.3}
    assert {c.health_check_period_s for c in configs} == {1.5}
