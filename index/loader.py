"""Load a built index into a ready :class:`~rag.engine.SearchEngine`."""

from __future__ import annotations

import logging
from pathlib import Path

import faiss
import numpy as np

from index.crosslingual import read_crosslingual
from index.files import (
    ARTICLES_FILE,
    BM25_DIR,
    CHUNKS_FILE,
    DENSE_FILE,
    PHRASES_DIR,
    SENTENCES_FILE,
    SYLLABLES_DIR,
    VECTORS_FILE,
    read_jsonl,
)
from index.manifest import Manifest
from index.store import IndexStore
from index.titles import read_titles
from rag.config import Settings
from rag.corpus import Corpus
from rag.crosslingual import Translator
from rag.dictionary import load_dictionary
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.errors import IndexStoreError, MissingDependencyError
from rag.language import ENGLISH, KOREAN
from rag.lexical.analyzer import LexicalAnalyzer
from rag.lexical.bm25 import BM25Retriever, PhraseRetriever, SyllableRetriever
from rag.retrieval.dense import DenseRetriever
from rag.sentence_table import ARRAYS, SentenceTable

logger = logging.getLogger(__name__)


def load_build(
    folder: Path, settings: Settings, encoder: Encoder, analyzer: LexicalAnalyzer | None = None
) -> tuple[Manifest, SearchEngine]:
    """The build in ``folder`` as a search engine. ``analyzer`` is reused when given (a live
    index passes its own: a new one loads kiwipiepy's model again, seconds and ~100 MB)."""
    manifest = Manifest.read(folder)
    manifest.check_model(encoder.name, encoder.fingerprint, encoder.dimension)
    try:
        import bm25s

        articles = [Article.from_dict(row) for row in read_jsonl(folder / ARTICLES_FILE)]
        chunks = [Chunk.from_dict(row) for row in read_jsonl(folder / CHUNKS_FILE)]
        dense = faiss.read_index(str(folder / DENSE_FILE))
        bm25 = bm25s.BM25.load(str(folder / BM25_DIR), load_vocab=True)
        syllables = bm25s.BM25.load(str(folder / SYLLABLES_DIR), load_vocab=True)
        phrases = bm25s.BM25.load(str(folder / PHRASES_DIR), load_vocab=True)
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
        means, lexicons = read_crosslingual(folder)
        with np.load(folder / SENTENCES_FILE) as stored:
            sentences = SentenceTable.from_arrays({name: stored[name] for name in ARRAYS})
        titles = read_titles(folder)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise IndexStoreError(f"index build {folder} is damaged: {exc}") from exc
    if (
        dense.ntotal != len(chunks)
        or len(vectors) != len(chunks)
        or manifest.counts.get("chunks") != len(chunks)
        or len(titles.chunk_titles) != len(chunks)
        or int(syllables.scores["num_docs"]) != len(chunks)
        or int(phrases.scores["num_docs"]) != len(chunks)
    ):
        raise IndexStoreError(
            f"index build {folder} is inconsistent: {len(chunks)} chunks, "
            f"{dense.ntotal} vectors, manifest says {manifest.counts.get('chunks')}"
        )
    bm25_retriever = BM25Retriever(bm25)
    analyzer = analyzer or LexicalAnalyzer(workers=settings.query_analyzer_threads)
    dictionary = None
    # The dictionary translates Korean questions into English terms: only a corpus with both
    # languages needs it (reading it costs start-up time and memory).
    if settings.translation_dictionary and {KOREAN, ENGLISH} <= set(lexicons):
        try:
            dictionary = load_dictionary()
        except MissingDependencyError as exc:  # translation still works by embeddings
            logger.warning("%s", exc)
    translator = Translator(
        lexicons,
        analyzer,
        encoder.encode_queries,
        cache_size=settings.translation_cache,
        factory=settings.lexicon_faiss_factory,
        ef_search=settings.faiss_ef_search,
        dictionary=dictionary,
    )
    engine = SearchEngine(
        settings,
        encoder,
        analyzer,
        Corpus(articles, chunks),
        DenseRetriever(
            dense,
            vectors=vectors,
            ef_search=settings.faiss_ef_search,
            nprobe=settings.faiss_nprobe,
        ),
        bm25_retriever,
        language_means=means,
        translator=translator,
        sentences=sentences,
        titles=titles,
        syllables=SyllableRetriever(syllables),
        phrases=PhraseRetriever(phrases),
    )
    return manifest, engine


def load_current(settings: Settings, encoder: Encoder) -> tuple[Manifest, SearchEngine]:
    folder = IndexStore(settings.index_dir).current()
    if folder is None:
        raise IndexStoreError(
            f"no index at {settings.index_dir.expanduser()}; build one with `rag build PATH...`"
        )
    return load_build(folder, settings, encoder)
