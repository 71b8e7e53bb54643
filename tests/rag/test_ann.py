"""Approximate search by corpus size: the index chosen, and a breadth calibrated at build time
to the recall asked for, kept with the build and used when it is served."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import faiss
import numpy as np

from index.builder import build_index
from index.loader import load_build
from rag.ann import Calibration, calibrate, choose_factory
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.parts.base import describe_search
from rag.parts.dense import LISTS_FILE, SEARCH_FILE
from rag.retrieval.title import TitleRetriever
from rag.vectors import build_faiss_index
from tests.conftest import SEED


def test_auto_is_exact_below_the_threshold_and_an_inverted_file_above() -> None:
    assert choose_factory(50_000, "auto", 100_000) == "Flat"
    assert choose_factory(1_000_000, "auto", 100_000) == "IVF4000,Flat"
    assert choose_factory(250_000, "auto", 100_000) == "IVF2000,Flat"
    # Few passages: never fewer than FAISS's 39 training points a list.
    assert choose_factory(400, "auto", 1) == "IVF10,Flat"
    assert choose_factory(5, "auto", 1) == "IVF1,Flat"
    assert choose_factory(1_000_000, "HNSW32", 100_000) == "HNSW32"


def _clustered(count: int, dim: int = 48, clusters: int = 60) -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((clusters, dim))
    vectors = centres[rng.integers(0, clusters, count)] + 0.6 * rng.standard_normal((count, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def test_the_breadth_is_the_least_that_reaches_the_recall_asked_for() -> None:
    vectors = _clustered(6000)
    index = build_faiss_index(vectors, choose_factory(len(vectors), "auto", 1000))
    assert isinstance(index, faiss.IndexIVF) and index.nlist == 153
    loose = calibrate(index, vectors, 0.5)
    strict = calibrate(index, vectors, 0.95)
    assert loose.recall >= 0.5 and strict.recall >= 0.95
    assert strict.breadth > loose.breadth
    assert index.nprobe == strict.breadth  # left set
    below = calibrate(index, vectors, 1.01)  # unreachable: the broadest, all lists
    assert below.breadth == index.nlist and below.recall == 1.0
    # One step narrower than the strict breadth misses the target.
    index.nprobe = strict.breadth // 2
    assert strict.breadth == 1 or _recall(index, vectors) < 0.95


def _recall(index: faiss.Index, vectors: np.ndarray) -> float:
    from rag.ann import calibration_queries

    queries = calibration_queries(vectors, 200)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    _, found = index.search(queries, 10)
    return float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)]))


def test_a_build_past_the_threshold_serves_with_its_calibrated_breadth(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    target = settings.but(index_dir=tmp_path / "index", ann_min_passages=1, ann_recall=0.9)
    folder = build_index([SEED], target, encoder, progress=False).folder
    search = json.loads((folder / "dense" / SEARCH_FILE).read_text())
    assert search["factory"].startswith("IVF") and search["calibration"]["recall"] >= 0.9
    _, engine = load_build(folder, target, encoder)
    assert engine.dense.calibration == Calibration(**search["calibration"])
    assert engine.dense.index.nprobe == search["calibration"]["breadth"]
    assert engine.search("서울대병원이 보스턴에서 소개한 플랫폼은?", 1)[0].article_id == SEED.stem
    # The titles past the threshold get an index of their own, calibrated the same way.
    titled = json.loads((folder / "titles" / SEARCH_FILE).read_text())
    assert titled["factory"].startswith("IVF") and titled["calibration"]["recall"] >= 0.9
    breadth, recall = titled["calibration"]["breadth"], titled["calibration"]["recall"]
    assert describe_search(titled) == (
        f"{titled['factory']} (breadth {breadth}, recall@10 {recall:.3f} for 0.9)"
    )
    titles = engine.ranker.ranking("titles")
    assert isinstance(titles, TitleRetriever) and titles.index is not None
    assert titles.index.nprobe == titled["calibration"]["breadth"]
    assert titles._grouped is not None  # grouped as it loaded, not by the first question
    # A breadth the service sets wins over the build's (the passages' index's only).
    _, widened = load_build(folder, target.but(dense_search_breadth=7), encoder)
    assert widened.dense.index.nprobe == 7
    widened_titles = widened.ranker.ranking("titles")
    assert isinstance(widened_titles, TitleRetriever) and widened_titles.index is not None
    assert widened_titles.index.nprobe == titled["calibration"]["breadth"]


def test_a_build_reuses_the_served_builds_trained_lists_while_the_corpus_grows_a_little(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    target = settings.but(index_dir=tmp_path / "index", ann_min_passages=1, ann_retrain_growth=1.0)
    first = build_index([corpus], target, encoder, progress=False)
    trained = json.loads((first.folder / "dense" / SEARCH_FILE).read_text())
    rows = first.manifest.counts["chunks"]
    assert trained["trained_passages"] == rows and trained["lists_from"] is None
    assert (first.folder / "dense" / LISTS_FILE).is_file()

    (corpus / "new-story.txt").write_text(
        "A new clinic\n\nA hospital in Daejeon opened a clinic for rare blood diseases.\n", "utf-8"
    )
    grown = build_index([corpus], target, encoder, progress=False)
    search = json.loads((grown.folder / "dense" / SEARCH_FILE).read_text())
    # The first build's lists, not trained again: same factory, trained on its passages.
    assert search["lists_from"] == first.folder.name
    assert search["trained_passages"] == rows and search["factory"] == trained["factory"]
    _, engine = load_build(grown.folder, target, encoder)
    assert engine.dense.size == grown.manifest.counts["chunks"] == rows + 1
    assert engine.search("서울대병원이 보스턴에서 소개한 플랫폼은?", 1)[0].article_id == SEED.stem
    assert engine.search("rare blood disease clinic in Daejeon", 1)[0].article_id == "new-story"

    # Grown by more than the share allowed (none here): the lists are trained anew.
    strict = build_index([corpus], target.but(ann_retrain_growth=0.0), encoder, progress=False)
    retrained = json.loads((strict.folder / "dense" / SEARCH_FILE).read_text())
    assert retrained["lists_from"] is None and retrained["trained_passages"] == rows + 1
