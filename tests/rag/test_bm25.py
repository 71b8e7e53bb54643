import numpy as np

from rag.lexical.bm25 import BM25Retriever, build_bm25, inverse_document_frequencies
from rag.types import Query


def test_contains_matches_the_indexed_terms_of_every_passage() -> None:
    rng = np.random.default_rng(3)
    vocabulary = [f"t{i}" for i in range(30)]
    corpus = [list(rng.choice(vocabulary, size=6)) for _ in range(200)]
    retriever = BM25Retriever(build_bm25(corpus, k1=1.2, b=0.75))
    for position in (0, 57, 199):
        for term in vocabulary:
            assert retriever.contains(term, position) == (term in corpus[position])
    assert not retriever.contains("absent", 0)


def test_search_ranks_term_matches_and_respects_the_mask() -> None:
    retriever = BM25Retriever(
        build_bm25([["insulin", "price"], ["price"], ["zika"]], k1=1.2, b=0.75)
    )
    hits = retriever.search(Query("q", "en", terms=["insulin", "price"]), 3).hits()
    assert [h.position for h in hits] == [0, 1]
    masked = retriever.search(
        Query("q", "en", terms=["price"]), 3, np.array([False, True, True])
    ).hits()
    assert [h.position for h in masked] == [1]
    idf = inverse_document_frequencies(retriever.model)
    assert idf["zika"] > idf["price"]


def test_the_k_best_sharing_passages_ties_by_position_without_zero_scores() -> None:
    rng = np.random.default_rng(4)
    vocabulary = [f"t{i}" for i in range(40)]
    corpus = [list(rng.choice(vocabulary, size=5)) for _ in range(300)]
    corpus[100:110] = [["t1", "t2", "t3", "t4", "t5"]] * 10  # ten equal passages: ties
    retriever = BM25Retriever(build_bm25(corpus, k1=1.2, b=0.75))
    query = Query("q", "en", terms=["t1", "t2", "t39"])
    scores = retriever.query_scores(query)
    allowed = rng.random(300) < 0.7
    allowed[100:110] = True
    for k in (1, 5, 12, 300):
        for mask in (None, allowed):
            kept = scores > 0 if mask is None else (scores > 0) & mask
            # Brute force: every sharing passage, best first, ties by position.
            expected = sorted(np.flatnonzero(kept), key=lambda p: (-scores[p], p))[:k]
            found = retriever.search(query, k, mask)
            assert found.positions.tolist() == expected
            assert np.all(found.scores > 0)
            np.testing.assert_array_equal(found.scores, scores[expected].astype(np.float64))
