"""Service settings: where things live and how the running service behaves (folders, HTTP,
limits, caches, admin). None of them changes an answer."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


class ServiceSettings(BaseModel):
    """``RAG_SERVICE__*`` or the bare ``RAG_*`` names (``RAG_INDEX_DIR``, ``RAG_PORT``...)."""

    model_config = ConfigDict(frozen=True)

    # --- folders ---------------------------------------------------------------------
    index_dir: Path = Field(Path("var/index"), description="root of the served index")
    demo_corpus: Path = Field(
        PROJECT_ROOT / "data" / "demo",
        description="articles indexed when the service starts without an index",
    )
    cache_dir: Path = Field(
        Path("~/.cache/rag"),
        description="stored passage embeddings and chunk boundaries, shared by all builds",
    )
    keep_builds: int = Field(2, ge=1, description="old index builds kept after a swap")

    # --- builds on a Ray cluster (rag build --ray; index/ray_build.py) ----------------
    ray_batch_articles: int = Field(8, ge=1, description="articles a Ray worker takes at once")
    ray_window_articles: int = Field(
        20000, ge=1, description="articles the build process hands Ray at a time (its memory)"
    )
    ray_cpus_per_worker: int = Field(
        1, ge=1, description="CPUs of each model actor (and its encoder's threads)"
    )

    # --- serving on a Ray cluster (rag serve --ray; api/ray_serve.py) ----------------
    ray_serve_shards: int = Field(
        2, ge=1, description="shards of the dense vectors, each held by its own Serve replica"
    )
    ray_shard_cpus: float = Field(
        1.0, gt=0, description="CPUs a shard replica reserves (its share of the searching)"
    )
    ray_api_replicas: int = Field(
        1, ge=1, description="replicas of the HTTP API (each holds the lexical parts)"
    )
    ray_api_cpus: float = Field(
        1.0, ge=0, description="CPUs an API replica reserves (it encodes the questions)"
    )
    # Ray's default is 2 s; requests here last milliseconds, so a stopping replica (a
    # shutdown, a redeploy) checks often (`rag serve --ray` stops in 3.5 s, not 5.0:
    # docs/scale.md).
    ray_drain_poll_s: float = Field(
        0.2,
        gt=0,
        description="how often a stopping Serve replica checks that its requests are done",
    )
    # Ray's default is 10 s: a replica that died is noticed, and restarted, up to that late.
    ray_health_check_s: float = Field(
        1.0, gt=0, description="how often Serve checks that each replica is alive"
    )

    # --- how a loaded index is held and searched (set when it loads) ------------------
    query_analyzer_threads: int = Field(
        2,
        ge=0,
        description="kiwipiepy threads analysing the sentences of cited passages (0: none)",
    )
    lexicon_faiss_factory: str = Field(
        "HNSW32", description="FAISS index of lexicon words for translation (Flat: exact)"
    )
    translation_cache: int = Field(20000, ge=0, description="question words kept embedded")
    faiss_ef_search: int = Field(
        64, ge=1, description="HNSW search breadth of the lexicons and uncalibrated builds"
    )
    faiss_nprobe: int = Field(16, ge=1, description="IVF lists searched in uncalibrated builds")
    dense_search_breadth: int | None = Field(
        None,
        ge=1,
        description="search breadth of an approximate dense index (IVF lists or HNSW "
        "efSearch); unset: the breadth its build calibrated to ann_recall",
    )

    # --- requests --------------------------------------------------------------------
    max_top_k: int = Field(50, ge=1)
    max_question_chars: int = Field(1000, ge=1)

    # --- HTTP ------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    reload_interval_s: float = Field(
        5.0, ge=0, description="how often the server looks for a newer build (0: never)"
    )

    # --- HTTP guard rails (api/limits.py) --------------------------------------------
    max_body_bytes: int = Field(
        64 * 1024, ge=1, description="largest request body; a larger one is answered 413 unread"
    )
    body_timeout_s: float = Field(
        10.0, gt=0, description="seconds a request's body may take to arrive in full (then 408)"
    )
    max_json_depth: int = Field(
        32, ge=1, description="deepest nesting of arrays and objects in a JSON body (then 422)"
    )
    max_in_flight: int = Field(
        16, ge=1, description="/ask and /search requests served at once; more get 503 overloaded"
    )
    retry_after_s: int = Field(1, ge=0, description="Retry-After (seconds) of a 503 refusal")
    keep_alive_timeout_s: int = Field(
        5, ge=1, description="seconds an idle keep-alive connection stays open (uvicorn)"
    )

    # --- observability and admin (api/metrics.py, api/admin.py, index/reindex.py) ----
    metrics_latency_buckets_s: tuple[float, ...] = Field(
        (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        min_length=1,
        description="upper bounds (seconds) of the buckets of the /metrics request latency "
        "histogram",
    )
    request_id_header: str = Field(
        "X-Request-ID",
        description="header of a request's id: taken from the request when it has a usable one, "
        "else made up; returned on the response and written in the request's log line",
    )
    admin_api_key: SecretStr | None = Field(
        None,
        description="key of the /admin routes (Authorization: Bearer KEY or X-API-Key: KEY); "
        "unset: the /admin routes do not exist",
    )
    admin_allowed_roots: tuple[Path, ...] = Field(
        (),
        description="folders (JSON list) inside which POST /admin/reindex accepts paths; empty: "
        "it only rebuilds the served build's own recorded inputs",
    )
    reindex_nice: int = Field(
        10, ge=0, le=19, description="niceness added to a reindex's build process (0: none)"
    )
    reindex_timeout_s: float = Field(
        3600.0, gt=0, description="a reindex still running after this long is stopped (failed)"
    )
    reindex_stop_grace_s: float = Field(
        5.0, gt=0, description="seconds a stopped build has to clean up before it is killed"
    )
    reindex_log_lines: int = Field(
        20, ge=0, description="last lines of a reindex's output kept for its status"
    )
    reindex_jobs_kept: int = Field(20, ge=1, description="finished reindex jobs kept for status")
    admin_wait_max_s: float = Field(
        120.0, ge=0, description="longest ?wait= of GET /admin/reindex/{id} (seconds)"
    )
