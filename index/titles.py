"""Building, writing and reading the title vectors of a build (``titles.npz``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.cache import CACHE_FILE, EmbeddingCache
from index.files import TITLES_FILE
from rag.config import Settings
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.retrieval.title import TitleRetriever, TitleTable


def build_titles(
    articles: Sequence[Article],
    chunks: Sequence[Chunk],
    settings: Settings,
    encoder: Encoder,
    *,
    progress: bool = False,
) -> TitleRetriever:
    """Vectors of the distinct titles (from the embedding cache where stored)."""
    table = TitleTable.of(list(articles), list(chunks))
    cache = EmbeddingCache(
        settings.cache_dir.expanduser() / CACHE_FILE,
        f"{encoder.fingerprint}:title:{encoder.title_prompt}",
        encoder.dimension,
    )
    try:
        with tqdm(
            total=len(table.titles), desc="titles", unit="title", disable=not progress
        ) as bar:

            def encode(batch: Sequence[str]) -> np.ndarray:
                return encoder.encode_titles(batch, progress=bar.update)

            vectors, _ = cache.embed(table.titles, encode, on_cached=bar.update)
    finally:
        cache.close()
    return TitleRetriever(vectors, table.chunk_titles, table.titled_articles)


def write_titles(folder: Path, titles: TitleRetriever) -> None:
    np.savez(
        folder / TITLES_FILE,
        vectors=titles.vectors,
        chunk_titles=titles.chunk_titles,
        titled_articles=np.array(titles.titled_articles, dtype=np.int64),
    )


def read_titles(folder: Path) -> TitleRetriever:
    with np.load(folder / TITLES_FILE) as stored:
        return TitleRetriever(
            stored["vectors"], stored["chunk_titles"], int(stored["titled_articles"])
        )
