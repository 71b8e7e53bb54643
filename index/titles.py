"""Building, writing and reading the title vectors of a build (``titles.npz``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.cache import embed_with_cache
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
    vectors, _ = embed_with_cache(
        table.titles,
        encoder.encode_titles,
        encoder=encoder,
        settings=settings,
        namespace=f"title:{encoder.title_prompt}",
        desc="titles",
        unit="title",
        progress=progress,
    )
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
