"""The BM25 part: bm25s over the passages' analyzer terms (``rag.lexical``), and the base of
the BM25 variants over other terms (syllable bigrams, phrases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from rag.config import Settings
from rag.lexical.bm25 import BM25Retriever, build_bm25, load_bm25
from rag.lexical.term_rows import TermRows
from rag.parts.base import BuildContext, IndexPart, LoadContext

Retriever = TypeVar("Retriever", bound=BM25Retriever)


def bm25_params(settings: Settings) -> dict[str, Any]:
    return {"bm25_k1": settings.index.bm25_k1, "bm25_b": settings.index.bm25_b}


class BM25IndexPart(IndexPart[Retriever], Generic[Retriever]):
    """A bm25s index over ``terms`` of each passage, served as ``retriever``; it saves and
    loads its index as bm25s does, with k1 and b as its parameters."""

    retriever: ClassVar[type[BM25Retriever]]

    def terms(self, context: BuildContext) -> TermRows:
        return context.passage_terms

    def params(self, settings: Settings) -> dict[str, Any]:
        return bm25_params(settings)

    def build(self, context: BuildContext, params: dict[str, Any]) -> Retriever:
        model = build_bm25(self.terms(context), k1=params["bm25_k1"], b=params["bm25_b"])
        return self.retriever(model)  # type: ignore[return-value]

    def save(self, built: Retriever, folder: Path) -> None:
        built.model.save(str(folder), show_progress=False)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> Retriever:
        return self.retriever(load_bm25(folder))  # type: ignore[return-value]

    def rows(self, built: Retriever) -> int:
        return built.size


class BM25Part(BM25IndexPart[BM25Retriever]):
    name = "bm25"
    retriever = BM25Retriever
