"""A build's cleaning, chunking and embedding on a Ray cluster (``rag build --ray ADDRESS``).

Ray is an optional extra (``pip install '.[ray]'``). The ``rag build`` process (the driver)
reads the articles and streams them, a window at a time, through two Ray Data stages:

1. **clean** (tasks): each article cleaned, with a language, the digest and MinHash signature
   its duplicate check needs. The driver spools the results in input order
   (:class:`~index.prepare.CleanedSpool`: the last version of an id wins) and, once every
   article is seen, knows the duplicates: the decisions of a local build.
2. **chunk and embed** (actors, one per CPU of the cluster, each holding the model): each kept
   article's chunks, passages and passage vectors.

Results come back in input order (``preserve_order``), so the driver writes the files of a
local build, the same passages in the same order; their chunks and vectors also go to the
build caches. An article whose chunks (``index.chunk_cache``) and every passage vector
(``index.cache``) those caches already hold is not sent at all: ``rag build --add --ray``
sends only the new and corrected articles to the cluster. Ray Data restarts an actor that
dies and runs its batch again; a batch's output is taken once, from the attempt that
finished, so nothing is lost or doubled. The index parts are then built by the driver, as in
a local build.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from index.cache import EMBED_SLICE, EmbeddingCache, passage_namespace
from index.chunk_cache import ChunkCache
from index.prepare import (
    SPOOL_FOLDER,
    CleanedSpool,
    CorpusWriter,
    PreparedFiles,
    duplicate_finder,
    earlier_lines,
)
from rag.config import Settings
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.errors import ClusterError, InputError, MissingDependencyError
from rag.ingest import Skipped
from rag.pipeline import chunk_article, clean_article, make_chunker, with_passages
from rag.screening import TextScreen

# One article a row: its JSON, and a binary column (a signature, or passage vectors).
ROW, BLOB = "row", "blob"
CONNECT_TIMEOUT_S = 5.0  # to reach the cluster's head before handing the address to Ray


def import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise MissingDependencyError(
            "building or serving on Ray (--ray) needs the ray extra: pip install '.[ray]'"
        ) from exc
    return ray


_connection: dict[str, str] = {}  # the address this process's Ray connection was made to


def connect(address: str) -> Any:
    """Ray, connected to the cluster at ``address`` (``auto``: the one this machine runs or
    ``RAY_ADDRESS`` names); a clear error when there is none."""
    ray = import_ray()
    # The address asked for, not Ray's own record of it: the GCS reports the node's address
    # (192.0.2.2:6379 for 127.0.0.1:6379), and reconnecting costs each build seconds.
    if ray.is_initialized() and _connection.get("address") != address:
        ray.shutdown()  # connected elsewhere (an earlier build of this process)
    if not ray.is_initialized():
        probe_address(address)
        try:
            ray.init(address=address, logging_level="ERROR", log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise InputError(f"cannot connect to a Ray cluster at {address!r}: {exc}") from exc
        _connection["address"] = address
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    return ray


def probe_address(address: str) -> None:
    """Refuse at once an address where nothing listens (Ray itself retries for minutes)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or "://" in address:
        return  # "auto", or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise InputError(f"no Ray cluster at {address}: {exc}") from exc


def clean_batch(batch: dict[str, np.ndarray], settings: Settings) -> dict[str, np.ndarray]:
    """Stage 1, on a worker: each article cleaned (or why it is skipped), with its digest in
    the row and its MinHash signature in the blob."""
    screen = TextScreen.from_settings(settings)
    finder = duplicate_finder(settings)
    rows, blobs = [], []
    for text in batch[ROW]:
        cleaned = clean_article(Article.from_dict(json.loads(text)), settings, screen)
        if isinstance(cleaned, Skipped):
            rows.append(json.dumps({"skipped": vars(cleaned)}, ensure_ascii=False))
            blobs.append(b"")
            continue
        out: dict[str, Any] = {"article": cleaned.to_dict()}
        blob = b""
        if finder is not None:
            out["digest"] = finder.digest(cleaned.text).hex()
            blob = finder.signature(cleaned.text).tobytes()
        rows.append(json.dumps(out, ensure_ascii=False))
        blobs.append(blob)
    return {ROW: np.array(rows, dtype=object), BLOB: np.array(blobs, dtype=object)}


class ChunkAndEmbed:
    """Stage 2, a model actor: each article's chunks and passages, and the passages'
    vectors (float32, row after row) in the blob."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # An actor encodes passages only: the build backend's model is the one it loads.
        self.encoder = Encoder(settings.but(encoder_backend=settings.encoder.build_encoder_backend))
        self.chunker = make_chunker(
            settings,
            self.encoder.count_tokens,
            max_tokens=self.encoder.max_tokens,
            overhead_tokens=self.encoder.overhead_tokens(),
        )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results: list[dict[str, Any]] = []
        passages: list[str] = []
        for text in batch[ROW]:
            row = json.loads(text)
            chunked = chunk_article(Article.from_dict(row), self.chunker, self.settings)
            if isinstance(chunked, Skipped):
                results.append({"skipped": vars(chunked)})
                continue
            chunks, texts = chunked
            results.append(
                {"article": row, "chunks": [c.to_dict() for c in chunks], "passages": texts}
            )
            passages.extend(texts)
        # Encoded as a local build encodes (its backend, sorted by length).
        vectors = self.encoder.encode_passages(passages, progress=lambda _: None)
        blobs, used = [], 0
        for result in results:
            count = len(result.get("passages", ()))
            blobs.append(vectors[used : used + count].tobytes())
            used += count
        return {
            ROW: np.array([json.dumps(r, ensure_ascii=False) for r in results], dtype=object),
            BLOB: np.array(blobs, dtype=object),
        }


def _through_ray(
    ray: Any,
    rows: Iterator[str],
    stage: Callable[[Any], Any],
    window: int,
) -> Iterator[tuple[str, bytes]]:
    """``rows`` through ``stage`` (a function of a Ray dataset), a window at a time so that
    the driver never holds the corpus, results in input order. A failure on the workers that
    Ray gives up on (a model actor that cannot start, say) is a :class:`ClusterError` with
    the workers' own message."""
    while chunk := list(islice(rows, window)):
        dataset = stage(ray.data.from_items([{ROW: row} for row in chunk]))
        try:
            for out in dataset.iter_rows():
                yield str(out[ROW]), bytes(out[BLOB])
        except ray.exceptions.RayError as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            cause = lines[-1] if lines else type(exc).__name__
            raise ClusterError(f"the build failed on the Ray cluster: {cause}") from exc


def ray_prepare(
    articles: Iterable[Article],
    settings: Settings,
    encoder: Encoder,
    staging: Path,
    *,
    address: str,
    progress: bool,
) -> tuple[PreparedFiles, np.ndarray, int]:
    """What ``index.prepare.prepare_files`` and the embedding step give a local build, made on
    the Ray cluster at ``address``: (the prepared files, the passages' vectors, how many were
    encoded)."""
    ray = connect(address)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = progress
    service = settings.service
    workers = max(1, int(ray.cluster_resources().get("CPU", 1)) // service.ray_cpus_per_worker)
    worker_settings = settings.but(encoder_threads=service.ray_cpus_per_worker)

    (staging / SPOOL_FOLDER).mkdir(exist_ok=True)
    spool = CleanedSpool(staging / SPOOL_FOLDER)
    skipped: list[Skipped] = []
    read = 0

    def article_rows() -> Iterator[str]:
        nonlocal read
        for article in articles:
            read += 1
            yield json.dumps(article.to_dict(), ensure_ascii=False)

    def clean(dataset: Any) -> Any:
        return dataset.map_batches(
            clean_batch,
            fn_kwargs={"settings": settings},
            batch_size=service.ray_batch_articles,
            batch_format="numpy",
        )

    for text, blob in _through_ray(ray, article_rows(), clean, service.ray_window_articles):
        out = json.loads(text)
        if "skipped" in out:
            skipped.append(Skipped(**out["skipped"]))
            continue
        hashes = None
        if "digest" in out:
            hashes = (bytes.fromhex(out["digest"]), np.frombuffer(blob, np.uint64))
        spool.add(Article.from_dict(out["article"]), hashes)
    duplicates, replaced = spool.screen(settings)
    skipped.extend(replaced)
    dropped = {d.article_id for d in duplicates}

    def chunk_and_embed(dataset: Any) -> Any:
        return dataset.map_batches(
            ChunkAndEmbed,
            fn_constructor_kwargs={"settings": worker_settings},
            concurrency=workers,
            num_cpus=service.ray_cpus_per_worker,
            batch_size=service.ray_batch_articles,
            batch_format="numpy",
        )

    writer = CorpusWriter(staging)
    repeats = earlier_lines(settings)
    vectors: list[np.ndarray] = []
    kept = KeptWork(settings, encoder)
    sent = 0  # articles sent to the cluster
    try:
        rows = _articles_only(spool.kept(dropped, repeats), skipped)
        while window := list(islice(rows, service.ray_window_articles)):
            known = [kept.known(Article.from_dict(row)) for row in window]
            remote = (
                json.dumps(row, ensure_ascii=False)
                for row, done in zip(window, known, strict=True)
                if done is None
            )
            results = _through_ray(ray, remote, chunk_and_embed, service.ray_window_articles)
            for row, done in tqdm(
                zip(window, known, strict=True),
                total=len(window),
                desc="ray",
                unit="article",
                disable=not progress,
            ):
                if done is None:
                    text, blob = next(results)
                    out = json.loads(text)
                    sent += 1  # cut on the cluster, as a local build counts it, kept or not
                    if "skipped" in out:
                        skipped.append(Skipped(**out["skipped"]))
                        continue
                    chunks = [Chunk.from_dict(c) for c in out["chunks"]]
                    matrix = np.frombuffer(blob, np.float32).reshape(len(chunks), encoder.dimension)
                    kept.remember(Article.from_dict(row), chunks, out["passages"], matrix)
                    done = (chunks, out["passages"], matrix)
                if isinstance(done, Skipped):
                    skipped.append(done)
                    continue
                chunks, passages, matrix = done
                writer.add(row, chunks, passages)
                vectors.append(matrix)
            for _ in results:  # the window's stage ends (nothing is left to take)
                raise RuntimeError("the Ray stage returned more articles than it was sent")
    finally:
        writer.close()
        kept.close()
    spool.remove()
    prepared = writer.prepared(read, duplicates, skipped, sent, repeats)
    matrix = np.vstack(vectors) if vectors else np.empty((0, encoder.dimension), dtype=np.float32)
    return prepared, matrix, kept.encoded


def _articles_only(
    rows: Iterable[dict[str, Any] | Skipped], skipped: list[Skipped]
) -> Iterator[dict[str, Any]]:
    """The article rows of ``rows``; the skipped ones go to ``skipped``."""
    for row in rows:
        if isinstance(row, Skipped):
            skipped.append(row)
        else:
            yield row


class KeptWork:
    """What earlier builds kept, on the driver: an article's chunks and its passages' vectors,
    looked up before the article is sent to the cluster, and stored when it comes back."""

    def __init__(self, settings: Settings, encoder: Encoder) -> None:
        self.settings = settings
        self.chunker = make_chunker(
            settings,
            encoder.count_tokens,
            max_tokens=encoder.max_tokens,
            overhead_tokens=encoder.overhead_tokens(),
        )
        self.chunks = ChunkCache.for_build(settings, self.chunker, encoder)
        # Under the key a local build stores its passages' vectors by.
        self.vectors = EmbeddingCache.for_encoder(settings, encoder, passage_namespace(encoder))
        self.dimension = encoder.dimension
        self.encoded = 0  # passages the cluster embedded
        self._pending: list[tuple[bytes, np.ndarray]] = []  # stored a slice at a time

    def known(self, article: Article) -> tuple[list[Chunk], list[str], np.ndarray] | Skipped | None:
        """The article's chunks, passages and vectors, or why it is skipped, when the caches
        hold all of them; None: it goes to the cluster."""
        pieces = self.chunks.lookup(article)
        if pieces is None:
            return None
        chunked = with_passages(article, pieces, self.chunker, self.settings)
        if isinstance(chunked, Skipped):
            return chunked
        chunks, passages = chunked
        keys = [self.vectors.key(text) for text in passages]
        found = self.vectors.get_many(keys)
        if any(key not in found for key in keys):
            return None
        matrix = np.empty((len(keys), self.dimension), dtype=np.float32)
        for row, key in enumerate(keys):
            matrix[row] = found[key]
        return chunks, passages, matrix

    def remember(
        self, article: Article, chunks: list[Chunk], passages: list[str], matrix: np.ndarray
    ) -> None:
        """Keep what the cluster made for ``article``, so that a later build reuses it."""
        self.chunks.store(article, chunks)
        keys = [self.vectors.key(text) for text in passages]
        self._pending.extend(zip(keys, matrix, strict=True))
        if len(self._pending) >= EMBED_SLICE:
            self._flush()
        self.encoded += len(passages)

    def _flush(self) -> None:
        self.vectors.put_many(self._pending)
        self._pending.clear()

    def close(self) -> None:
        try:
            self._flush()
            self.chunks.close()
        finally:
            self.vectors.close()
