"""The dense part: the passages' model vectors, their language means and a FAISS index of the
centred vectors (``language_centering`` of each language's mean removed, see
``rag.crosslingual``). The centring the index was built with is the one queries get."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.ann import Calibration, calibrate, choose_factory, is_approximate, set_breadth
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import IncompatibleIndexError
from rag.parts.base import (
    SEARCH_FILE,
    BuildContext,
    IndexPart,
    LoadContext,
    read_params,
    read_search,
    write_search,
)
from rag.retrieval.dense import DenseRetriever
from rag.retrieval.shards import DenseShard, ShardedDenseRetriever
from rag.vectors import build_faiss_index, center

VECTORS_FILE = "vectors.npy"  # raw model vectors, memory-mapped when served
INDEX_FILE = "index.faiss"
MEANS_FILE = "language_means.npz"
LISTS_FILE = "lists.npy"  # an IVF index's trained lists, empty (serialized), for reuse
PROBE_FILE = "probe.npz"  # the build encoder's vectors of PROBE_TEXTS, and its backend
# Texts the build's encoder and the serving one must embed alike for the index to be used.
PROBE_TEXTS = (
    "What did Seoul National University Hospital present in Boston?",
    "서울대병원이 보스턴에서 소개한 플랫폼은?",
    "insulin prices",
)


class DensePart(IndexPart[DenseRetriever]):
    name = "dense"

    def params(self, settings: Settings) -> dict[str, Any]:
        return {
            "faiss_factory": settings.index.faiss_factory,
            "ann_min_passages": settings.index.ann_min_passages,
            "ann_recall": settings.index.ann_recall,
            "language_centering": settings.index.language_centering,
            "ann_retrain_growth": settings.index.ann_retrain_growth,
        }

    def build(self, context: BuildContext, params: dict[str, Any]) -> DenseRetriever:
        means = context.language_means
        centering = float(params["language_centering"])
        centred = center(context.vectors, context.languages, means, centering)
        factory = choose_factory(
            len(centred), params["faiss_factory"], int(params["ann_min_passages"])
        )
        previous = context.previous
        reused = None
        if previous is not None and factory.startswith("IVF"):
            reused = reusable_lists(previous / self.name, params, centred)
        lists_from = previous.name if reused is not None and previous is not None else None
        if reused is not None:
            index, factory, trained = reused
        elif factory.startswith("IVF"):
            index, trained = trained_lists(centred, factory), len(centred)
        else:
            index, trained = None, 0
        lists = None
        if index is None:
            index = build_faiss_index(centred, factory)
        else:
            lists = np.asarray(faiss.serialize_index(index))  # still empty: what is kept
            index.add(centred)
        built = DenseRetriever(index, vectors=context.vectors, means=means, centering=centering)
        built.factory = factory
        if lists is not None:
            built.lists, built.trained_passages, built.lists_from = lists, trained, lists_from
        if is_approximate(index):
            built.calibration = calibrate(index, centred, float(params["ann_recall"]))
        built.probe = context.encoder.encode_queries(list(PROBE_TEXTS))
        built.probe_backend = context.encoder.backend
        return built

    def save(self, built: DenseRetriever, folder: Path) -> None:
        if built.vectors is None or built.probe is None:
            raise ValueError("a dense part is saved with its raw and probe vectors")
        np.save(folder / VECTORS_FILE, np.asarray(built.vectors))
        faiss.write_index(built.index, str(folder / INDEX_FILE))
        if built.lists is not None:
            np.save(folder / LISTS_FILE, built.lists)
        np.savez(folder / MEANS_FILE, **built.means)  # type: ignore[arg-type]
        np.savez(folder / PROBE_FILE, vectors=built.probe, backend=np.array(built.probe_backend))
        calibration = built.calibration
        search: dict[str, Any] = {
            "factory": built.factory,
            "calibration": None,
            "trained_passages": built.trained_passages,
            "lists_from": built.lists_from,
        }
        if calibration is not None:
            search["calibration"] = {
                "breadth": calibration.breadth,
                "recall": calibration.recall,
                "target": calibration.target,
            }
        write_search(folder, search)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> DenseRetriever:
        means = read_means(folder)
        settings = context.settings
        check_encoder(folder, context.encoder, settings.encoder.encoder_tolerance)
        if context.dense_shards is not None:
            return ShardedDenseRetriever(
                context.dense_shards.open(folder, context.chunk_languages),
                vectors=np.load(folder / VECTORS_FILE, mmap_mode="r"),
                means=means,
                centering=float(params["language_centering"]),
            )
        loaded = DenseRetriever(
            faiss.read_index(str(folder / INDEX_FILE)),
            vectors=np.load(folder / VECTORS_FILE, mmap_mode="r"),
            means=means,
            centering=float(params["language_centering"]),
            ef_search=settings.service.faiss_ef_search,
            nprobe=settings.service.faiss_nprobe,
        )
        search = read_search(folder)
        if search is not None:  # builds before calibration have none
            loaded.factory = str(search["factory"])
            loaded.trained_passages = search.get("trained_passages")
            loaded.lists_from = search.get("lists_from")
            if search["calibration"] is not None:
                loaded.calibration = Calibration(**search["calibration"])
        # The service's breadth when it sets one, else the build's calibrated one.
        breadth = settings.service.dense_search_breadth
        if breadth is None and loaded.calibration is not None:
            breadth = loaded.calibration.breadth
        if breadth is not None:
            set_breadth(loaded.index, breadth)
        return loaded

    def rows(self, built: DenseRetriever) -> int:
        if built.vectors is not None and len(built.vectors) != built.size:
            return -1  # the vectors and the index disagree: never a chunk count
        return built.size


def trained_lists(centred: np.ndarray, factory: str) -> Any:
    """An IVF index of ``factory`` trained on ``centred`` and still empty: its lists, which a
    later build may reuse (a few MB serialized: the lists' centroids, not the vectors)."""
    index = faiss.index_factory(centred.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    index.train(centred)
    return index


def reusable_lists(
    folder: Path, params: dict[str, Any], centred: np.ndarray
) -> tuple[Any, str, int] | None:
    """The served build's trained IVF lists (an empty index), its factory and the passages
    the lists were trained on, when this build may reuse them: built with the same parameters,
    and ``centred`` (this build's vectors) within ``ann_retrain_growth`` of those passages in
    number. Training the lists (k-means) is most of what an IVF build costs; an archive that
    grows or shrinks a little keeps the same clusters. None: train anew."""
    try:
        previous = read_params(folder)
        search = json.loads((folder / SEARCH_FILE).read_text(encoding="utf-8"))
        stored = np.load(folder / LISTS_FILE)
    except (OSError, ValueError):
        return None  # no such part, or a build from before lists were kept
    trained = int(search.get("trained_passages") or 0)
    same = all(previous.get(key) == value for key, value in params.items())
    growth = float(params["ann_retrain_growth"])
    if not same or not trained or abs(len(centred) - trained) > growth * trained:
        return None
    lists = faiss.deserialize_index(stored)
    if lists.d != centred.shape[1]:
        return None
    return lists, str(search["factory"]), trained


def read_means(folder: Path) -> dict[str, np.ndarray]:
    with np.load(folder / MEANS_FILE) as stored:
        return {lang: stored[lang] for lang in stored.files}


def load_dense_shard(folder: Path, start: int, end: int, languages: np.ndarray) -> DenseShard:
    """Rows ``[start, end)`` of the dense part in ``folder`` (their chunks' ``languages``) as
    a shard: the stored raw vectors centred as the build centred them, row by row, so the
    shard scores each row exactly as the unsharded index does."""
    if len(languages) != end - start:
        raise ValueError(f"{len(languages)} languages for rows {start}..{end}")
    params = read_params(folder)
    vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
    if not 0 <= start <= end <= len(vectors):
        raise IncompatibleIndexError(
            f"rows {start}..{end} are outside the {len(vectors)} of index {folder.parent.name}"
        )
    rows = np.asarray(vectors[start:end], dtype=np.float32)
    centred = center(
        rows,
        [str(lang) for lang in languages],
        read_means(folder),
        float(params["language_centering"]),
    )
    return DenseShard(centred, start)


def check_encoder(folder: Path, encoder: Encoder, tolerance: float) -> None:
    """Refuse an index whose vectors the serving encoder would not reproduce: its probe
    texts must embed within ``tolerance`` (cosine) of the vectors the build stored."""
    with np.load(folder / PROBE_FILE) as stored:
        built, backend = stored["vectors"], str(stored["backend"])
    ours = encoder.encode_queries(list(PROBE_TEXTS))
    if built.shape != ours.shape:
        raise IncompatibleIndexError(f"index {folder.parent.name} has other probe vectors")
    cosine = float(np.min(np.sum(built * ours, axis=1)))
    if cosine < tolerance:
        raise IncompatibleIndexError(
            f"index {folder.parent.name} was embedded by the {backend} encoder backend, whose "
            f"vectors differ from this {encoder.backend} encoder's (cosine {cosine:.6f} < "
            f"RAG_ENCODER_TOLERANCE {tolerance}). Set RAG_ENCODER_BACKEND={backend} or "
            "rebuild the index with `rag build`."
        )
