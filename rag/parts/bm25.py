"""The BM25 part: bm25s over the passages' analyzer terms (``rag.lexical``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.lexical.bm25 import BM25Retriever, build_bm25, load_bm25
from rag.parts.base import BuildContext, IndexPart, LoadContext


def bm25_params(settings: Settings) -> dict[str, Any]:
    return {"bm25_k1": settings.index.bm25_k1, "bm25_b": settings.index.bm25_b}


class BM25Part(IndexPart[BM25Retriever]):
    name = "bm25"

    def params(self, settings: Settings) -> dict[str, Any]:
        return bm25_params(settings)

    def build(self, context: BuildContext, params: dict[str, Any]) -> BM25Retriever:
        model = build_bm25(context.passage_terms, k1=params["bm25_k1"], b=params["bm25_b"])
        return BM25Retriever(model)

    def save(self, built: BM25Retriever, folder: Path) -> None:
        built.model.save(str(folder), show_progress=False)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> BM25Retriever:
        return BM25Retriever(load_bm25(folder))

    def rows(self, built: BM25Retriever) -> int:
        return built.size
