"""Build an index from article files: read, clean, de-duplicate, chunk, embed, index, publish.

Every step shows a progress bar (``progress=True``). The build is written to a staging folder
and published atomically; embeddings come from the cache where the same passage was encoded
before by the same model.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from index.cache import cached_embedder, embed_with_cache
from index.files import (
    ARTICLES_FILE,
    CHUNKS_FILE,
    DUPLICATES_FILE,
    SKIPPED_FILE,
    write_jsonl,
)
from index.manifest import FORMAT_VERSION, Manifest
from index.store import IndexStore
from rag import parts as registry
from rag.config import Settings
from rag.documents import Article
from rag.embedding.encoder import Encoder
from rag.errors import InputError
from rag.ingest import IngestReport, Skipped, read_articles
from rag.lexical.analyzer import LexicalAnalyzer
from rag.parts import BuildContext, write_params
from rag.pipeline import (
    PreparedCorpus,
    chunk_articles,
    clean_articles,
    drop_duplicates,
    make_chunker,
)
from rag.screening import TextScreen


@dataclass
class BuildResult:
    folder: Path
    manifest: Manifest
    skipped: list[Skipped] = field(default_factory=list)
    encoded: int = 0  # passages encoded by the model (the rest came from the cache)


def _bar(total: int, desc: str, enabled: bool, unit: str) -> Any:
    return tqdm(
        total=total, desc=desc, unit=unit, disable=not enabled, leave=True, dynamic_ncols=True
    )


def corpus_fingerprint(articles: Sequence[Article]) -> str:
    digest = hashlib.sha256()
    for article in sorted(articles, key=lambda a: a.id):
        digest.update(
            json.dumps([article.id, article.title, article.text], ensure_ascii=False).encode()
        )
    return digest.hexdigest()[:16]


def new_build_id(fingerprint: str) -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{fingerprint[:8]}"


def prepare(
    articles: Iterable[Article], settings: Settings, encoder: Encoder, *, progress: bool, total: int
) -> PreparedCorpus:
    with _bar(total, "clean", progress, "article") as bar:
        cleaned, skipped = clean_articles(articles, settings, bar.update)
    kept, duplicates = drop_duplicates(cleaned, settings)
    chunker = make_chunker(
        settings,
        encoder.count_tokens,
        max_tokens=encoder.max_tokens,
        overhead_tokens=encoder.overhead_tokens(),
    )
    with _bar(len(kept), "chunk", progress, "article") as bar:
        chunked, chunks, passages, too_long = chunk_articles(kept, chunker, settings, bar.update)
    return PreparedCorpus(chunked, chunks, passages, duplicates, [*skipped, *too_long])


def embed_passages(
    passages: Sequence[str], encoder: Encoder, settings: Settings, *, progress: bool
) -> tuple[np.ndarray, int]:
    return embed_with_cache(
        passages,
        encoder.encode_passages,
        encoder=encoder,
        settings=settings,
        namespace=f"{encoder.passage_prompt}",  # the key the cache has always used
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
) -> BuildResult:
    """Build an index of the articles under ``paths`` but those whose id is in ``exclude``
    (recorded in the manifest) and make it the served one.

    The root's build lock is held from start to end (pass ``store`` when the caller already
    holds it with :meth:`IndexStore.building`, as ``rag build`` does before loading the model).
    """
    store = store or IndexStore(settings.service.index_dir)
    with store.building():
        started = time.perf_counter()
        report: IngestReport = read_articles(paths, TextScreen.from_settings(settings))
        articles = [a for a in report.articles if a.id not in exclude]
        if not articles:
            raise InputError(
                f"no articles found in {', '.join(map(str, paths))} "
                f"({report.files} files read, {len(report.skipped)} records skipped)"
            )
        return build_from_articles(
            articles,
            settings,
            encoder,
            inputs=[str(p) for p in paths],
            excluded=sorted(set(exclude)),
            skipped=report.skipped,
            files=report.files,
            progress=progress,
            started=started,
            store=store,
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
    started: float | None = None,
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
            skipped=skipped,
            files=files,
            progress=progress,
            started=time.perf_counter() if started is None else started,
            store=store,
        )


def _build(
    articles: Sequence[Article],
    settings: Settings,
    encoder: Encoder,
    *,
    inputs: Sequence[str],
    excluded: Sequence[str],
    skipped: Sequence[Skipped],
    files: int,
    progress: bool,
    started: float,
    store: IndexStore,
) -> BuildResult:
    timings: dict[str, float] = {"read": time.perf_counter() - started}
    mark = time.perf_counter()
    prepared = prepare(articles, settings, encoder, progress=progress, total=len(articles))
    all_skipped = [*skipped, *prepared.skipped]
    if not prepared.chunks:
        raise InputError("no text left to index after cleaning")
    timings["clean_chunk"] = time.perf_counter() - mark

    mark = time.perf_counter()
    vectors, encoded = embed_passages(prepared.passages, encoder, settings, progress=progress)
    timings["embed"] = time.perf_counter() - mark

    context = BuildContext(
        articles=prepared.articles,
        chunks=prepared.chunks,
        passages=prepared.passages,
        vectors=vectors,
        encoder=encoder,
        analyzer=LexicalAnalyzer(workers=-1),  # batches: kiwipiepy's threads pay off here
        embed=cached_embedder(encoder, settings, progress=progress),
        progress=progress,
    )
    params = {part.name: part.params(settings) for part in registry.PARTS}
    built = {}
    for part in registry.PARTS:
        mark = time.perf_counter()
        built[part.name] = part.build(context, params[part.name])
        timings[part.name] = time.perf_counter() - mark

    fingerprint = corpus_fingerprint(prepared.articles)
    with store.writing() as staging:
        write_jsonl(staging / ARTICLES_FILE, (a.to_dict() for a in prepared.articles))
        write_jsonl(staging / CHUNKS_FILE, (c.to_dict() for c in prepared.chunks))
        write_jsonl(staging / DUPLICATES_FILE, (vars(d) for d in prepared.duplicates))
        write_jsonl(staging / SKIPPED_FILE, (vars(s) for s in all_skipped))
        for part in registry.PARTS:
            folder = staging / part.name
            folder.mkdir()
            part.save(built[part.name], folder)
            write_params(folder, params[part.name])
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
            counts={
                "articles": len(prepared.articles),
                "chunks": len(prepared.chunks),
                "duplicates": len(prepared.duplicates),
                "skipped": len(all_skipped),
                "files": files,
                "encoded": encoded,
                **{
                    name: count
                    for part in registry.PARTS
                    for name, count in part.counts(built[part.name]).items()
                },
            },
            inputs=list(inputs),
            excluded=list(excluded),
            timings_s={k: round(v, 3) for k, v in timings.items()},
        )
        manifest.write(staging)
        folder = store.publish(staging, manifest.build_id)
    store.prune(settings.service.keep_builds)
    return BuildResult(folder, manifest, all_skipped, encoded)
