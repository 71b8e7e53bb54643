"""``rag serve --ray ADDRESS``: the HTTP API as a Ray Serve application, the index in shards.

The application has two kinds of deployment:

- ``dense-shard-0`` ... ``dense-shard-{N-1}``: one replica each, each holding a contiguous
  range of the served build's rows (their centred vectors in an exact FAISS index:
  ``rag.retrieval.shards``). The vectors are what grows with the archive (1.5 KB a passage,
  and the whole of a query's linear scan), so they are what is spread over the cluster.
- ``api``: the FastAPI app of ``rag serve`` (same routes, limits, page, swaps), whose engine
  holds the rest of the build (articles, lexical parts) and sends each query's vector to every
  shard at once, keeping the best ``k`` of their answers: the same passages in the same order
  as the unsharded index (``tests/api/test_ray_serve.py`` checks it).

Every replica reads the build from ``RAG_INDEX_DIR``: on several machines that is a volume
they all mount. When ``CURRENT`` names a new build, the API loads it and has every shard load
its rows of it before swapping; a shard keeps the build before it until the swap is done,
so requests still on the old build finish on it. A shard replica that dies is restarted by
Ray without its rows: the first search that meets it loads them again and retries.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.live import LiveIndex
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import ClusterError, IndexStoreError, InputError
from rag.parts.dense import load_dense_shard
from rag.retrieval.shards import DenseShard, ShardClient, ShardHits, ShardSearch, shard_bounds

log = logging.getLogger(__name__)

APP_NAME = "rag"
API_DEPLOYMENT = "api"
SHARD_DEPLOYMENT = "dense-shard-{}"
KEPT_BUILDS = 2  # a shard keeps the build being swapped out while requests finish on it
MISSING = "no rows loaded for"  # a shard's answer when it lost its rows (restarted)


class DenseShardReplica:
    """A shard's Serve replica: rows of up to ``KEPT_BUILDS`` builds, searched exactly."""

    def __init__(self) -> None:
        self.builds: OrderedDict[str, DenseShard] = OrderedDict()
        self.lock = threading.Lock()

    def load(self, key: str, folder: str, start: int, end: int, languages: np.ndarray) -> int:
        with self.lock:
            if key not in self.builds:
                self.builds[key] = load_dense_shard(Path(folder), start, end, languages)
                while len(self.builds) > KEPT_BUILDS:
                    self.builds.popitem(last=False)
            return self.builds[key].rows

    def search(self, key: str, searches: list[ShardSearch], k: int) -> list[ShardHits]:
        shard = self.builds.get(key)
        if shard is None:
            raise LookupError(f"{MISSING} {key}")
        return shard.search(searches, k)


class RayShardClient:
    """One shard of one build, asked through its deployment's handle."""

    def __init__(
        self, handle: Any, folder: Path, start: int, end: int, languages: np.ndarray
    ) -> None:
        self.handle = handle
        self.folder, self.start, self.rows = folder, start, end - start
        self.languages = languages
        self.key = f"{folder.parent.name}:{start}:{end}"

    def load(self) -> Any:
        return self.handle.load.remote(
            self.key, str(self.folder), self.start, self.start + self.rows, self.languages
        )

    def submit(self, searches: Sequence[ShardSearch], k: int) -> _Pending:
        return _Pending(self, (list(searches), k))

    def search(self, args: tuple[Any, ...]) -> Any:
        return self.handle.search.remote(self.key, *args)


class _Pending:
    """A shard's answer. When the replica died, or Ray restarted it without its rows, the rows
    are loaded again (Serve holds the call until a replica is up) and the search retried
    once; a second failure is the cluster's."""

    def __init__(self, client: RayShardClient, args: tuple[Any, ...]) -> None:
        self.client, self.args = client, args
        self.response = client.search(args)

    def result(self) -> list[ShardHits]:
        try:
            found: list[ShardHits] = self.response.result()
            return found
        except Exception as exc:  # Ray wraps the replica's error in its own types
            reason = "lost its rows" if MISSING in str(exc) else f"failed ({type(exc).__name__})"
            log.warning(
                "dense shard at row %d %s; loading its rows again", self.client.start, reason
            )
        try:
            self.client.load().result()
            found = self.client.search(self.args).result()
        except Exception as exc:
            raise ClusterError(f"dense shard at row {self.client.start} failed: {exc}") from exc
        return found


class RayDenseShards:
    """Opens a build's shards on the shard deployments (``rag.retrieval.shards.DenseShards``)."""

    def __init__(self, handles: list[Any]) -> None:
        self.handles = handles

    def open(self, folder: Path, languages: np.ndarray) -> list[ShardClient]:
        clients = [
            RayShardClient(handle, folder, start, end, languages[start:end])
            for handle, (start, end) in zip(
                self.handles, shard_bounds(len(languages), len(self.handles)), strict=True
            )
        ]
        loading = [client.load() for client in clients]  # all shards load at once
        for client, answer in zip(clients, loading, strict=True):
            try:
                answer.result()
            except Exception as exc:
                raise IndexStoreError(
                    f"dense shard at row {client.start} could not load {folder.parent}: {exc}"
                ) from exc
        return list(clients)


class ApiReplica:
    """The ingress: ``rag serve``'s FastAPI app over a live index whose dense search is the
    shards' (built on the replica, after Serve hands it the shards' handles)."""

    def __init__(self, settings: Settings, *shards: Any) -> None:
        self.settings = settings
        self.shards = RayDenseShards(list(shards))

    def open_live(self) -> LiveIndex:
        return LiveIndex(self.settings, Encoder(self.settings), dense_shards=self.shards)

    def __serve_build_asgi_app__(self) -> Any:
        from api.app import create_app

        return create_app(self.settings, open_live=self.open_live)


def application(settings: Settings) -> Any:
    """The Serve application: ``RAG_RAY_SERVE_SHARDS`` shard deployments and the API."""
    from ray import serve

    service = settings.service
    shard = serve.deployment(
        num_replicas=1,
        ray_actor_options={"num_cpus": service.ray_shard_cpus},
        graceful_shutdown_wait_loop_s=service.ray_drain_poll_s,
        health_check_period_s=service.ray_health_check_s,
    )(DenseShardReplica)
    shards = [
        shard.options(name=SHARD_DEPLOYMENT.format(i)).bind()
        for i in range(service.ray_serve_shards)
    ]
    api = serve.deployment(
        name=API_DEPLOYMENT,
        num_replicas=service.ray_api_replicas,
        max_ongoing_requests=service.max_in_flight,
        ray_actor_options={"num_cpus": service.ray_api_cpus},
        graceful_shutdown_wait_loop_s=service.ray_drain_poll_s,
        health_check_period_s=service.ray_health_check_s,
    )(serve.ingress()(ApiReplica))
    return api.bind(settings, *shards)


def deploy(settings: Settings, address: str, host: str, port: int) -> None:
    """Deploy the application on the cluster at ``address``, Serve's HTTP proxy on
    ``host:port``; returns once every replica is up (the index loaded in each)."""
    from index.ray_build import connect

    connect(address)
    from ray import serve

    if _serve_running() and not set(serve.status().applications) - {APP_NAME}:
        # Serve keeps its proxy's address from its first start: one left without
        # applications (a server killed before it could stop it) is restarted with ours.
        serve.shutdown()
    serve.start(http_options={"host": host, "port": port})
    proxy = _proxy_address()
    if proxy is not None and proxy != (host, port):
        raise InputError(
            f"Ray Serve already runs on this cluster with other applications "
            f"({', '.join(serve.status().applications)}) and its HTTP proxy on "
            f"{proxy[0]}:{proxy[1]}; serve there (--host/--port) or stop them"
        )
    try:
        serve.run(application(settings), name=APP_NAME, route_prefix="/")
    except RuntimeError as exc:  # a replica's constructor failed (e.g. no index)
        raise ClusterError(f"the Serve application did not start: {exc}") from exc


def _serve_running() -> bool:
    from ray import serve

    try:
        serve.status()
    except Exception:  # Serve raises its own exception type when none is running
        return False
    return True


def _proxy_address() -> tuple[str, int] | None:
    """The host and port Serve's HTTP proxy listens on (None: not known)."""
    from ray.serve.context import _get_global_client

    client: Any = _get_global_client()
    try:
        options = client.get_serve_details().get("http_options", {})
        return str(options["host"]), int(options["port"])
    except (KeyError, TypeError, ValueError, AttributeError):  # a Serve of another shape
        return None


def stop() -> None:
    """Take the application down, and Serve with it when nothing else of it runs."""
    from ray import serve

    serve.delete(APP_NAME)
    if not serve.status().applications:
        serve.shutdown()


def serve_until_stopped() -> None:
    """Block until Ctrl-C or SIGTERM, then take the application down."""
    stop_requested = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.set())
    try:
        stop_requested.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
