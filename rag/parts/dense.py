"""The dense part: the passages' model vectors, their language means and a FAISS index of the
centred vectors (``language_centering`` of each language's mean removed, see
``rag.crosslingual``). The centring the index was built with is the one queries get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.config import Settings
from rag.parts.base import BuildContext, IndexPart, LoadContext
from rag.retrieval.dense import DenseRetriever
from rag.vectors import build_faiss_index, center

VECTORS_FILE = "vectors.npy"  # raw model vectors, memory-mapped when served
INDEX_FILE = "index.faiss"
MEANS_FILE = "language_means.npz"


class DensePart(IndexPart[DenseRetriever]):
    name = "dense"

    def params(self, settings: Settings) -> dict[str, Any]:
        return {
            "faiss_factory": settings.faiss_factory,
            "language_centering": settings.language_centering,
        }

    def build(self, context: BuildContext, params: dict[str, Any]) -> DenseRetriever:
        means = context.language_means
        centering = float(params["language_centering"])
        centred = center(context.vectors, context.languages, means, centering)
        index = build_faiss_index(centred, params["faiss_factory"])
        return DenseRetriever(index, vectors=context.vectors, means=means, centering=centering)

    def save(self, built: DenseRetriever, folder: Path) -> None:
        if built.vectors is None:
            raise ValueError("a dense part is saved with its raw vectors")
        np.save(folder / VECTORS_FILE, np.asarray(built.vectors))
        faiss.write_index(built.index, str(folder / INDEX_FILE))
        np.savez(folder / MEANS_FILE, **built.means)  # type: ignore[arg-type]

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> DenseRetriever:
        with np.load(folder / MEANS_FILE) as stored:
            means = {lang: stored[lang] for lang in stored.files}
        settings = context.settings
        return DenseRetriever(
            faiss.read_index(str(folder / INDEX_FILE)),
            vectors=np.load(folder / VECTORS_FILE, mmap_mode="r"),
            means=means,
            centering=float(params["language_centering"]),
            ef_search=settings.faiss_ef_search,
            nprobe=settings.faiss_nprobe,
        )

    def rows(self, built: DenseRetriever) -> int:
        if built.vectors is not None and len(built.vectors) != built.size:
            return -1  # the vectors and the index disagree: never a chunk count
        return built.size
