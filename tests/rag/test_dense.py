import faiss
import numpy as np
import pytest

from rag.retrieval import dense
from rag.retrieval.dense import DenseRetriever
from rag.types import Query, Scored
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


def _refused(*_: object) -> Scored:
    raise AssertionError("searched mask by mask")


def _faiss_filtered(
    retriever: DenseRetriever, vector: np.ndarray, k: int, mask: np.ndarray
) -> Scored:
    """FAISS's own filtered search, ties by position (what the exact paths must give)."""
    bitmap = np.packbits(mask, bitorder="little")
    selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
    scores, ids = retriever.index.search(
        vector.reshape(1, -1), k, params=faiss.SearchParameters(sel=selector)
    )
    found = ids[0] >= 0
    return Scored(ids[0][found].astype(np.int64), scores[0][found].astype(np.float64)).best_first()


def _same(a: Scored, b: Scored) -> None:
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.scores, b.scores)


def _tied_vectors() -> np.ndarray:
    vectors = np.random.default_rng(2).standard_normal((3000, 48)).astype(np.float32)
    vectors[1000:1040] = vectors[7]  # forty copies: ties at every cut
    faiss.normalize_L2(vectors)
    return vectors


@pytest.mark.parametrize("share", [0.02, 0.2, 0.5, 0.9])
def test_a_filtered_search_of_a_flat_index_is_faiss_filtered_search_bit_for_bit(
    share: float,
) -> None:
    vectors = _tied_vectors()
    retriever = DenseRetriever(build_faiss_index(vectors, "Flat"))
    mask = np.random.default_rng(4).random(3000) < share
    mask[1000:1040:3] = True  # some of the copies kept whatever the share
    for row in (7, 1500, 2999):
        for k in (5, 30, 3000):
            got = retriever.search(Query("q", "en", vector=vectors[row]), k, mask)
            _same(got, _faiss_filtered(retriever, vectors[row], min(k, 3000), mask))


@pytest.mark.parametrize("share_of_first", [0.5, 0.9])
def test_partitions_searched_in_one_scan_are_their_filtered_searches_bit_for_bit(
    share_of_first: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = _tied_vectors()
    retriever = DenseRetriever(build_faiss_index(vectors, "Flat"))
    first = np.random.default_rng(5).random(3000) < share_of_first
    masks = [first, ~first]
    for row in (7, 1500, 2999):
        query = Query("q", "en", vector=vectors[row])
        for k in (5, 30, 3000):
            with monkeypatch.context() as patched:
                patched.setattr(retriever, "_faiss_search", _refused)  # scanned, not FAISS
                one_scan = retriever.search_many(query, k, masks)
            for got, mask in zip(one_scan, masks, strict=True):
                _same(got, _faiss_filtered(retriever, vectors[row], min(k, 3000), mask))
    # The copies of row 7 tie: the cut keeps those of lowest position, as FAISS does.
    best = retriever.search_many(Query("q", "en", vector=vectors[7]), 10, masks)
    assert all(np.all(np.diff(part.positions[part.scores == part.scores[0]]) > 0) for part in best)


@pytest.mark.parametrize("block_rows", [7, 4096])
def test_searches_of_several_vectors_read_each_block_once_a_vector_bit_for_bit(
    block_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question's partitions and their feedback vectors: narrow and wide masks, two vectors,
    blocks that cut the masks anywhere (7 rows) or hold them whole."""
    vectors = _tied_vectors()
    retriever = DenseRetriever(build_faiss_index(vectors, "Flat"))
    rng = np.random.default_rng(6)
    first = rng.random(3000) < 0.3
    narrow = rng.random(3000) < 0.03
    question = Query("q", "en", vector=vectors[7])
    feedback = Query("q", "en", vector=vectors[1500])
    searches = [(question, first), (question, ~first), (feedback, narrow), (feedback, first)]
    monkeypatch.setattr(dense, "SCAN_BLOCK_ROWS", block_rows)
    passes: list[np.ndarray] = []
    inner_products = dense._inner_products

    def counted(block: np.ndarray, vector: np.ndarray) -> np.ndarray:
        passes.append(vector)
        return inner_products(block, vector)

    monkeypatch.setattr(dense, "_inner_products", counted)
    monkeypatch.setattr(retriever, "_faiss_search", _refused)  # every search is scanned
    for k in (5, 30, 3000):
        passes.clear()
        got = retriever.search_each(searches, k)
        # The question's two partitions cover every block: one pass a block for both.
        assert question.vector is not None
        on_question = [v for v in passes if np.array_equal(v, question.vector)]
        assert len(on_question) == -(-3000 // block_rows)
        for part, (query, mask) in zip(got, searches, strict=True):
            assert query.vector is not None
            _same(part, _faiss_filtered(retriever, query.vector, min(k, 3000), mask))
