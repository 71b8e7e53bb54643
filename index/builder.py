"""Build an index from article files: read, clean, de-duplicate, chunk, embed, index, publish.

Every step shows a progress bar (``progress=True``). The build is written to a staging folder
and published atomically; embeddings come from the cache where the same passage was encoded
before by the same model. The corpus streams through (``index.prepare``): articles, chunks and
passages are files that the parts read, and each part is saved as soon as it is built, so
what a build holds in memory is the vectors, the passages' terms and one part at a time.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.cache import cached_embedder, embed_with_cache, passage_namespace
from index.files import DUPLICATES_FILE, SKIPPED_FILE, write_jsonl
from index.manifest import FORMAT_VERSION, Manifest
from index.prepare import SPOOL_FOLDER, PreparedFiles, prepare_files
from index.store import IndexStore
from index.term_cache import TermCache
from rag import parts as registry
from rag.config import Settings
from rag.documents import Article
from rag.embedding.encoder import Encoder
from rag.errors import IndexStoreError, InputError
from rag.ingest import IngestReport, Skipped, iter_articles
from rag.lexical.analyzer import LexicalAnalyzer
from rag.parts import BuildContext, write_params
from rag.screening import TextScreen


@dataclass
class BuildResult:
    folder: Path
    manifest: Manifest
    skipped: list[Skipped] = field(default_factory=list)
    encoded: int = 0  # passages encoded by the model (the rest came from the cache)
    cut: int | None = None  # articles cut into chunks (the rest were kept; None: not counted)
    analysed: int | None = None  # passages and sentences analysed (the rest's terms were kept)


def corpus_fingerprint(articles: Sequence[Article]) -> str:
    """A digest of the articles' ids, titles and texts in id order (read one at a time, so
    the articles may be rows on disk)."""
    ids = [article.id for article in articles]
    digest = hashlib.sha256()
    for position in sorted(range(len(ids)), key=ids.__getitem__):
        article = articles[position]
        digest.update(
            json.dumps([article.id, article.title, article.text], ensure_ascii=False).encode()
        )
    return digest.hexdigest()[:16]


def new_build_id(fingerprint: str) -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{fingerprint[:8]}"


def embed_passages(
    passages: Sequence[str], encoder: Encoder, settings: Settings, *, progress: bool
) -> tuple[np.ndarray, int]:
    return embed_with_cache(
        passages,
        encoder.encode_passages,
        encoder=encoder,
        settings=settings,
        namespace=passage_namespace(encoder),
        desc="embed",
        unit="chunk",
        progress=progress,
    )


def build_index(
    paths: Sequence[Path],
    settings: Settings,
    encoder: Encoder,
    *,
    progress: bool = True,
    store: IndexStore | None = None,
    exclude: Collection[str] = (),
    ray_address: str | None = None,
) -> BuildResult:
    """Build an index of the articles under ``paths`` but those whose id is in ``exclude``
    (recorded in the manifest) and make it the served one. Articles are streamed from the
    files (``index.prepare``): a corpus need not fit in memory, only its index does. With
    ``ray_address``, cleaning, chunking and embedding run on that Ray cluster
    (``index.ray_build``) and the result is the same build.

    The root's build lock is held from start to end (pass ``store`` when the caller already
    holds it with :meth:`IndexStore.building`, as ``rag build`` does before loading the model).
    """
    store = store or IndexStore(settings.service.index_dir)
    report = IngestReport()
    articles = (
        article
        for article in iter_articles(paths, report, TextScreen.from_settings(settings))
        if article.id not in exclude
    )

    def nothing_read() -> InputError:
        return InputError(
            f"no articles found in {', '.join(map(str, paths))} "
            f"({report.files} files read, {len(report.skipped)} records skipped)"
        )

    with store.building():
        return _build(
            articles,
            settings,
            encoder,
            inputs=[str(p) for p in paths],
            excluded=sorted(set(exclude)),
            report=report,
            progress=progress,
            store=store,
            nothing_read=nothing_read,
            ray_address=ray_address,
        )


def build_from_articles(
    articles: Sequence[Article],
    settings: Settings,
    encoder: Encoder,
    *,
    inputs: Sequence[str],
    excluded: Sequence[str] = (),
    skipped: Sequence[Skipped] = (),
    files: int = 0,
    progress: bool = True,
    store: IndexStore | None = None,
) -> BuildResult:
    """Index ``articles`` into ``settings.service.index_dir`` and publish the build
    atomically, under the root's build lock (see :func:`build_index`)."""
    store = store or IndexStore(settings.service.index_dir)
    with store.building():
        return _build(
            articles,
            settings,
            encoder,
            inputs=inputs,
            excluded=excluded,
            report=IngestReport(skipped=list(skipped), files=files),
            progress=progress,
            store=store,
            total=len(articles),
            nothing_read=lambda: InputError("no articles to index"),
        )


def _check_prepared(prepared: PreparedFiles, nothing_read: Callable[[], InputError]) -> None:
    if prepared.read == 0:
        raise nothing_read()
    if not len(prepared.chunks):
        raise InputError("no text left to index after cleaning")


def _served(store: IndexStore) -> Path | None:
    """The build being served, whose trained parts a new build may reuse (None if unreadable:
    the new build then trains its own)."""
    try:
        return store.current()
    except IndexStoreError:
        return None


def _build_parts(
    context: BuildContext,
    params: dict[str, dict[str, Any]],
    staging: Path,
    timings: dict[str, float],
) -> dict[str, int]:
    """Build, save and count every registered part in its folder under ``staging``, each
    with its ``params`` written beside it; returns the parts' counts, adds their times."""
    part_counts: dict[str, int] = {}
    for part in registry.PARTS:
        mark = time.perf_counter()
        built = part.build(context, params[part.name])
        # Each part is saved as soon as it is built, so that only one is held at a time.
        folder = staging / part.name
        folder.mkdir()
        part.save(built, folder)
        write_params(folder, params[part.name])
        part_counts.update(part.counts(built))
        del built
        timings[part.name] = time.perf_counter() - mark
    return part_counts


def _build(
    articles: Iterable[Article],
    settings: Settings,
    encoder: Encoder,
    *,
    inputs: Sequence[str],
    excluded: Sequence[str],
    report: IngestReport,
    progress: bool,
    store: IndexStore,
    nothing_read: Callable[[], InputError],
    total: int | None = None,
    ray_address: str | None = None,
) -> BuildResult:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    with store.writing() as staging:
        if ray_address is None:
            prepared = prepare_files(
                articles, settings, encoder, staging, progress=progress, total=total
            )
            _check_prepared(prepared, nothing_read)
            timings["read_clean_chunk"] = time.perf_counter() - started
            mark = time.perf_counter()
            vectors, encoded = embed_passages(
                prepared.passages, encoder, settings, progress=progress
            )
            timings["embed"] = time.perf_counter() - mark
        else:
            from index.ray_build import ray_prepare

            prepared, vectors, encoded = ray_prepare(
                articles, settings, encoder, staging, address=ray_address, progress=progress
            )
            _check_prepared(prepared, nothing_read)
            timings["ray_clean_chunk_embed"] = time.perf_counter() - started
        all_skipped = [*report.skipped, *prepared.skipped]

        # Batches of passages: kiwipiepy's threads pay off here.
        stored_terms = TermCache.for_build(settings, LexicalAnalyzer(workers=-1))
        context = BuildContext(
            articles=prepared.articles,
            chunks=prepared.chunks,
            passages=prepared.passages,
            vectors=vectors,
            encoder=encoder,
            analyzer=stored_terms.analyzer,
            embed=cached_embedder(encoder, settings, progress=progress),
            progress=progress,
            stored_terms=stored_terms,
            previous=_served(store),
        )
        params = {part.name: part.params(settings) for part in registry.PARTS}
        try:
            part_counts = _build_parts(context, params, staging, timings)
        finally:
            stored_terms.close()

        fingerprint = corpus_fingerprint(prepared.articles)
        counts = {
            "articles": len(prepared.articles),
            "chunks": len(prepared.chunks),
            "duplicates": len(prepared.duplicates),
            "skipped": len(all_skipped),
            "files": report.files,
            "encoded": encoded,
            **part_counts,
        }
        if prepared.earlier_lines is not None:
            counts["earlier_article_lines"] = prepared.earlier_lines
        prepared.close()
        shutil.rmtree(staging / SPOOL_FOLDER)
        write_jsonl(staging / DUPLICATES_FILE, (vars(d) for d in prepared.duplicates))
        write_jsonl(staging / SKIPPED_FILE, (vars(s) for s in all_skipped))
        timings["total"] = time.perf_counter() - started
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            build_id=new_build_id(fingerprint),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            model=encoder.name,
            model_fingerprint=encoder.fingerprint,
            dimension=encoder.dimension,
            max_tokens=encoder.max_tokens,
            encoder_backend=encoder.backend,
            build_encoder_backend=encoder.build_backend,
            config=settings.index.model_dump(mode="json"),
            parts=params,
            corpus_fingerprint=fingerprint,
            counts=counts,
            inputs=list(inputs),
            excluded=list(excluded),
            timings_s={k: round(v, 3) for k, v in timings.items()},
        )
        manifest.write(staging)
        folder = store.publish(staging, manifest.build_id)
    store.prune(settings.service.keep_builds)
    return BuildResult(folder, manifest, all_skipped, encoded, prepared.cut, stored_terms.analysed)
