import faiss
import numpy as np
import pytest

from rag.retrieval.dense import DenseRetriever
from rag.types import Query
from rag.vectors import build_faiss_index


@pytest.mark.parametrize("factory", ["Flat", "HNSW32", "IVF20,Flat"])
def test_filters_are_exact_for_every_index_type(factory: str) -> None:
    vectors = np.random.default_rng(0).random((2000, 16), dtype=np.float32)
    faiss.normalize_L2(vectors)
    retriever = DenseRetriever(build_faiss_index(vectors, factory), ef_search=64, nprobe=20)
    allowed = np.zeros(2000, dtype=bool)
    allowed[::7] = True
    hits = retriever.search(Query("q", "en", vector=vectors[7]), 5, allowed).hits()
    assert len(hits) == 5 and hits[0].position == 7
    assert all(allowed[h.position] for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)
    assert (
        retriever.search(Query("q", "en", vector=vectors[7]), 5, np.zeros(2000, bool)).hits() == []
    )


def test_a_narrow_filter_widens_an_approximate_search_to_find_what_exact_search_finds() -> None:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((40, 32))
    vectors = centres[rng.integers(0, 40, 8000)] + 0.5 * rng.standard_normal((8000, 32))
    vectors = vectors.astype(np.float32)
    faiss.normalize_L2(vectors)
    retriever = DenseRetriever(build_faiss_index(vectors, "IVF100,Flat"), nprobe=2)
    allowed = np.zeros(8000, dtype=bool)
    allowed[rng.choice(8000, 160, replace=False)] = True  # 2% of the rows
    recalls = []
    for row in rng.choice(8000, 30, replace=False):
        query = Query("q", "en", vector=vectors[row])
        found = {h.position for h in retriever.search(query, 10, allowed).hits()}
        scores = np.where(allowed, vectors @ vectors[row], -np.inf)
        exact = set(np.argsort(-scores)[:10].tolist())
        recalls.append(len(found & exact) / 10)
    # Two lists of a hundred hold about three allowed rows: without widening, most are missed.
    assert np.mean(recalls) >= 0.95
    assert retriever.index.nprobe == 2  # the served breadth itself is unchanged
