"""Vector helpers on the ground floor: unit rows, language centring, FAISS indexes.

The dense retriever, the cross-lingual lexicons, the hybrid ranker and the index builder all
use these; they import nothing of the project.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import faiss
import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    unit: np.ndarray = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def language_means(vectors: np.ndarray, languages: Sequence[str]) -> dict[str, np.ndarray]:
    labels = np.asarray(languages)
    return {lang: vectors[labels == lang].mean(axis=0) for lang in sorted(set(languages))}


def center(
    vectors: np.ndarray, languages: Sequence[str], means: Mapping[str, np.ndarray], alpha: float
) -> np.ndarray:
    """Unit vectors with ``alpha`` times their language's mean vector removed."""
    if alpha == 0 or not means:
        return unit_rows(vectors)
    fallback = np.mean(list(means.values()), axis=0)
    shift = np.stack([means.get(lang, fallback) for lang in languages])
    return unit_rows(vectors - alpha * shift)


def build_faiss_index(vectors: np.ndarray, factory: str = "Flat") -> Any:
    """An inner-product FAISS index over ``vectors`` (rows already L2-normalized)."""
    index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        index.train(vectors)
    index.add(vectors)
    return index


def configure_search(index: Any, *, ef_search: int, nprobe: int) -> None:
    """Search-time accuracy knobs of approximate indexes (no effect on exact ``Flat``)."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = ef_search
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = nprobe
