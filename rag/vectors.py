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


# Rows centred at a time: a build's every passage vector is centred, and whole-corpus
# temporaries (the shifts, the differences, the quotients) would each be as large as the vectors.
CENTRE_BLOCK_ROWS = 8192


def center(
    vectors: np.ndarray, languages: Sequence[str], means: Mapping[str, np.ndarray], alpha: float
) -> np.ndarray:
    """Unit vectors with ``alpha`` times their language's mean vector removed (row by row,
    a block of rows at a time: the same rows as all at once, without their temporaries)."""
    centred = np.empty(np.shape(vectors), dtype=np.float32)
    fallback: np.ndarray = np.mean(list(means.values()), axis=0) if means else np.zeros(0)
    for begin in range(0, len(vectors), CENTRE_BLOCK_ROWS):
        block = slice(begin, begin + CENTRE_BLOCK_ROWS)
        rows = vectors[block]
        if alpha != 0 and means:
            rows = rows - alpha * np.stack([means.get(lang, fallback) for lang in languages[block]])
        centred[block] = unit_rows(rows)
    return centred


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
