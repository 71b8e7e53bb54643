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
