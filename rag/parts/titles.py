"""The titles part: a vector per distinct article title, for title ranking
(``rag.retrieval.title``), embedded with the title prompt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.parts.base import BuildContext, IndexPart, LoadContext
from rag.retrieval.title import TitleRetriever, TitleTable

TITLES_FILE = "titles.npz"


class TitlesPart(IndexPart[TitleRetriever]):
    name = "titles"
    fused = True

    def params(self, settings: Settings) -> dict[str, Any]:
        return {"title_prompt": settings.encoder.title_prompt}

    def build(self, context: BuildContext, params: dict[str, Any]) -> TitleRetriever:
        table = TitleTable.of(context.articles, context.chunks)
        # The encoder was made with the settings' title prompt, which these params record.
        vectors = context.embed(
            table.titles,
            context.encoder.encode_titles,
            namespace=f"title:{context.encoder.title_prompt}",
            desc="titles",
            unit="title",
        )
        return TitleRetriever(vectors, table.chunk_titles, table.titled_articles)

    def save(self, built: TitleRetriever, folder: Path) -> None:
        np.savez(
            folder / TITLES_FILE,
            vectors=built.vectors,
            chunk_titles=built.chunk_titles,
            titled_articles=np.array(built.titled_articles, dtype=np.int64),
        )

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> TitleRetriever:
        with np.load(folder / TITLES_FILE) as stored:
            return TitleRetriever(
                stored["vectors"], stored["chunk_titles"], int(stored["titled_articles"])
            )

    def rows(self, built: TitleRetriever) -> int:
        return len(built.chunk_titles)

    def counts(self, built: TitleRetriever) -> dict[str, int]:
        return {"titles": len(built.vectors)}
