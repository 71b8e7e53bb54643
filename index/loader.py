"""Load a built index into a ready :class:`~rag.engine.SearchEngine`: the corpus, then every
registered part (``rag.parts.PARTS``) from its folder, with the parameters it was built with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index.files import ARTICLES_FILE, CHUNKS_FILE, read_jsonl
from index.manifest import Manifest
from index.store import IndexStore
from rag import parts as registry
from rag.config import Settings
from rag.corpus import Corpus
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.errors import IndexStoreError
from rag.lexical.analyzer import LexicalAnalyzer
from rag.parts import LoadContext, read_params
from rag.retrieval.shards import DenseShards


def load_build(
    folder: Path,
    settings: Settings,
    encoder: Encoder,
    analyzer: LexicalAnalyzer | None = None,
    dense_shards: DenseShards | None = None,
) -> tuple[Manifest, SearchEngine]:
    """The build in ``folder`` as a search engine, with ``analyzer`` when given (a live index
    passes its own; kiwipiepy's model is shared by all analyzers in a process anyway), its
    dense vectors searched by ``dense_shards`` when given (``rag.retrieval.shards``)."""
    manifest = Manifest.read(folder)
    manifest.check_model(encoder.name, encoder.fingerprint, encoder.dimension)
    try:
        # The index config is the build's, whatever the serving environment says.
        settings = settings.model_copy(update={"index": manifest.index_config()})
    except ValueError as exc:
        raise IndexStoreError(f"index build {folder} has a malformed config: {exc}") from exc
    loaded: dict[str, Any] = {}
    try:
        articles = [Article.from_dict(row) for row in read_jsonl(folder / ARTICLES_FILE)]
        chunks = [Chunk.from_dict(row) for row in read_jsonl(folder / CHUNKS_FILE)]
        corpus = Corpus(articles, chunks)
        context = LoadContext(
            settings,
            encoder,
            analyzer or LexicalAnalyzer(workers=settings.service.query_analyzer_threads),
            chunk_languages=corpus.chunk_languages(),
            dense_shards=dense_shards,
        )
        for part in registry.PARTS:
            part_folder = folder / part.name
            loaded[part.name] = part.load(part_folder, read_params(part_folder), context)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise IndexStoreError(f"index build {folder} is damaged: {exc}") from exc
    sizes = {part.name: part.rows(loaded[part.name]) for part in registry.PARTS}
    wrong = {name: rows for name, rows in sizes.items() if rows is not None and rows != len(chunks)}
    if wrong or manifest.counts.get("chunks") != len(chunks):
        raise IndexStoreError(
            f"index build {folder} is inconsistent: {len(chunks)} chunks, manifest says "
            f"{manifest.counts.get('chunks')}"
            + "".join(f", {name} has {rows} rows" for name, rows in wrong.items())
        )
    served = {part.name: part.serve(loaded[part.name], context) for part in registry.PARTS}
    engine = SearchEngine(
        settings,
        encoder,
        context.analyzer,
        corpus,
        served["dense"],
        served["bm25"],
        translator=served.get("lexicons"),
        sentences=served.get("sentences"),
        rankings=[served[part.name] for part in registry.PARTS if part.fused],
    )
    return manifest, engine


def load_current(settings: Settings, encoder: Encoder) -> tuple[Manifest, SearchEngine]:
    folder = IndexStore(settings.service.index_dir).current()
    if folder is None:
        raise IndexStoreError(
            f"no index at {settings.service.index_dir.expanduser()}; "
            "build one with `rag build PATH...`"
        )
    return load_build(folder, settings, encoder)
