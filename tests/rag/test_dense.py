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
