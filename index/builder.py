"""Build an index from article files: read, clean, de-duplicate, chunk, embed, index, publish.

Every step shows a progress bar (``progress=True``). The build is written to a staging folder
and published atomically; embeddings come from the cache where the same passage was encoded
before by the same model.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from tqdm import tqdm

from index.cache import embed_with_cache
from index.crosslingual import build_lexicons, write_crosslingual
from index.files import (
    ARTICLES_FILE,
    BM25_DIR,
    CHUNKS_FILE,
    DENSE_FILE,
    DUPLICATES_FILE,
    PHRASES_DIR,
    SENTENCES_FILE,
    SKIPPED_FILE,
    SYLLABLES_DIR,
    VECTORS_FILE,
    write_jsonl,
)
from index.manifest import FORMAT_VERSION, Manifest
from index.store import IndexStore
from index.titles import build_titles, write_titles
from rag.config import Settings
from rag.crosslingual import center, language_means
from rag.documents import Article
from rag.embedding.encoder import Encoder
from rag.errors import InputError
from rag.ingest import IngestReport, Skipped, read_articles
from rag.lexical.analyzer import LexicalAnalyzer
from rag.lexical.bm25 import build_bm25
from rag.lexical.phrases import phrase_terms
from rag.lexical.syllables import syllable_terms
from rag.pipeline import (
    PreparedCorpus,
    chunk_articles,
    clean_articles,
    drop_duplicates,
    make_chunker,
)
from rag.retrieval.dense import build_faiss_index
from rag.screening import TextScreen
from rag.sentence_table import SentenceTable


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
) -> BuildResult:
    """Build an index of the articles under ``paths`` and make it the served one.

    The root's build lock is held from start to end (pass ``store`` when the caller already
    holds it with :meth:`IndexStore.building`, as ``rag build`` does before loading the model).
    """
    store = store or IndexStore(settings.index_dir)
    with store.building():
        started = time.perf_counter()
        report: IngestReport = read_articles(paths, TextScreen.from_settings(settings))
        if not report.articles:
            raise InputError(
                f"no articles found in {', '.join(map(str, paths))} "
                f"({report.files} files read, {len(report.skipped)} records skipped)"
            )
        return build_from_articles(
            report.articles,
            settings,
            encoder,
            inputs=[str(p) for p in paths],
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
    skipped: Sequence[Skipped] = (),
    files: int = 0,
    progress: bool = True,
    started: float | None = None,
    store: IndexStore | None = None,
) -> BuildResult:
    """Index ``articles`` into ``settings.index_dir`` and publish the build atomically, under
    the root's build lock (see :func:`build_index`)."""
    store = store or IndexStore(settings.index_dir)
    with store.building():
        return _build(
            articles,
            settings,
            encoder,
            inputs=inputs,
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

    mark = time.perf_counter()
    languages = [c.lang for c in prepared.chunks]
    means = language_means(vectors, languages)
    centred = center(vectors, languages, means, settings.language_centering)
    analyzer = LexicalAnalyzer(workers=-1)  # batches: kiwipiepy's threads pay off here
    lexicons = build_lexicons(prepared.chunks, settings, encoder, analyzer, progress=progress)
    timings["lexicons"] = time.perf_counter() - mark

    mark = time.perf_counter()
    titles = build_titles(prepared.articles, prepared.chunks, settings, encoder, progress=progress)
    timings["titles"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with _bar(len(prepared.passages), "bm25", progress, "chunk") as bar:
        terms = []
        step = 512
        for begin in range(0, len(prepared.passages), step):
            batch = prepared.passages[begin : begin + step]
            terms.extend(analyzer.terms_batch(batch))
            bar.update(len(batch))
    bm25 = build_bm25(terms, k1=settings.bm25_k1, b=settings.bm25_b)
    syllables = build_bm25(
        [syllable_terms(p) for p in prepared.passages], k1=settings.bm25_k1, b=settings.bm25_b
    )
    phrases = build_bm25(
        [phrase_terms(passage_terms) for passage_terms in terms],
        k1=settings.bm25_k1,
        b=settings.bm25_b,
    )
    dense = build_faiss_index(centred, settings.faiss_factory)
    with _bar(len(prepared.articles), "sentences", progress, "article") as bar:
        sentences = SentenceTable.build(prepared.articles, analyzer, on_articles=bar.update)
    timings["index"] = time.perf_counter() - mark

    fingerprint = corpus_fingerprint(prepared.articles)
    with store.writing() as staging:
        write_jsonl(staging / ARTICLES_FILE, (a.to_dict() for a in prepared.articles))
        write_jsonl(staging / CHUNKS_FILE, (c.to_dict() for c in prepared.chunks))
        write_jsonl(staging / DUPLICATES_FILE, (vars(d) for d in prepared.duplicates))
        write_jsonl(staging / SKIPPED_FILE, (vars(s) for s in all_skipped))
        np.save(staging / VECTORS_FILE, vectors)
        faiss.write_index(dense, str(staging / DENSE_FILE))
        bm25.save(str(staging / BM25_DIR), show_progress=False)
        syllables.save(str(staging / SYLLABLES_DIR), show_progress=False)
        phrases.save(str(staging / PHRASES_DIR), show_progress=False)
        write_crosslingual(staging, means, lexicons)
        np.savez(staging / SENTENCES_FILE, **sentences.to_arrays())  # type: ignore[arg-type]
        write_titles(staging, titles)
        timings["total"] = time.perf_counter() - started
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            build_id=new_build_id(fingerprint),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            model=encoder.name,
            model_fingerprint=encoder.fingerprint,
            dimension=encoder.dimension,
            max_tokens=encoder.max_tokens,
            chunking={
                "chunk_tokens": settings.chunk_tokens,
                "overlap_tokens": settings.chunk_overlap_tokens,
                "title_tokens": settings.title_tokens,
                "title_prompt": encoder.title_prompt,
            },
            retrieval={
                "faiss_factory": settings.faiss_factory,
                "bm25_k1": settings.bm25_k1,
                "bm25_b": settings.bm25_b,
                "language_centering": settings.language_centering,
                "lexicon_min_df": settings.lexicon_min_df,
            },
            corpus_fingerprint=fingerprint,
            counts={
                "articles": len(prepared.articles),
                "chunks": len(prepared.chunks),
                "duplicates": len(prepared.duplicates),
                "skipped": len(all_skipped),
                "files": files,
                "encoded": encoded,
                "sentences": len(sentences.starts),
                "titles": len(titles.vectors),
                **{f"lexicon_{lang}": len(lex.words) for lang, lex in lexicons.items()},
            },
            inputs=list(inputs),
            timings_s={k: round(v, 3) for k, v in timings.items()},
        )
        manifest.write(staging)
        folder = store.publish(staging, manifest.build_id)
    store.prune(settings.keep_builds)
    return BuildResult(folder, manifest, all_skipped, encoded)
