import numpy as np
import pytest

from rag.documents import Article, Chunk
from rag.engine import SearchEngine
from rag.retrieval.title import NO_TITLE, TitleRetriever, TitleTable
from rag.types import Query
from rag.vectors import build_faiss_index


def _chunk(article_id: str, ordinal: int) -> Chunk:
    return Chunk(article_id=article_id, ordinal=ordinal, start=0, end=1, text="x", lang="en")


def test_table_gives_each_chunk_its_articles_title_row() -> None:
    articles = [
        Article(id="a", text="x", title="What causes gout?"),
        Article(id="b", text="x", title="  "),  # no title
        Article(id="c", text="x", title="What causes gout?"),  # shares a's title
        Article(id="d", text="x", title="How is gout treated?"),
    ]
    chunks = [_chunk("a", 0), _chunk("a", 1), _chunk("b", 0), _chunk("c", 0), _chunk("d", 0)]
    table = TitleTable.of(articles, chunks)
    assert table.titles == ["What causes gout?", "How is gout treated?"]
    assert table.chunk_titles.tolist() == [0, 0, NO_TITLE, 0, 1]
    assert table.titled_articles == 3


def test_search_scores_chunks_by_title_and_skips_untitled_and_masked_ones() -> None:
    vectors = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    retriever = TitleRetriever(vectors, np.array([1, NO_TITLE, 0, 0], dtype=np.int32), 3)
    query = Query("q", "en", raw_vector=np.array([1.0, 0.0], dtype=np.float32))
    found = retriever.search(query, 10)
    assert sorted(found.positions[:2].tolist()) == [2, 3] and found.positions[2] == 0
    assert found.scores.tolist() == pytest.approx([1.0, 1.0, 0.6])
    allowed = np.array([True, True, False, True])
    assert retriever.search(query, 10, allowed).positions.tolist() == [3, 0]
    assert len(retriever.search(Query("q", "en"), 10)) == 0  # no vector, no ranking


def test_distinct_share_is_low_when_articles_share_titles() -> None:
    shared = TitleRetriever(np.ones((2, 2), dtype=np.float32), np.zeros(40, dtype=np.int32), 40)
    assert shared.distinct_share == pytest.approx(2 / 40)
    none = TitleRetriever(np.empty((0, 2), dtype=np.float32), np.full(3, NO_TITLE), 0)
    assert none.distinct_share == 0.0
    with pytest.raises(ValueError, match="no vector"):
        TitleRetriever(np.ones((1, 2), dtype=np.float32), np.array([0, 1], dtype=np.int32), 2)


def test_a_question_phrased_like_a_title_ranks_that_article_first(engine: SearchEngine) -> None:
    titles = engine.ranker.ranking("titles")
    assert titles is not None and titles.weight(engine.params) > 0.9  # news: own headlines
    article = next(a for a in engine.corpus.articles.values() if a.lang == "en" and a.title)
    query = engine.make_query(article.title)
    prepared = titles.prepare(query, engine.params)
    found = titles.search_prepared(query, 10, None, prepared)
    assert engine.corpus.chunks[int(found.positions[0])].article_id == article.id
    assert titles.prepare(query, engine.params.but(title_weight=0.0)) is None


def _titles_and_chunks(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """400 random unit title vectors, and 1,500 chunks of 1 to 6 per title or no title."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((400, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunk_titles = rng.integers(NO_TITLE, 400, size=1500).astype(np.int32)
    return vectors, chunk_titles


def test_an_approximate_index_searched_whole_finds_what_every_title_scored_finds() -> None:
    vectors, chunk_titles = _titles_and_chunks(7)
    exact = TitleRetriever(vectors, chunk_titles, 1400)
    index = build_faiss_index(vectors, "IVF8,Flat")
    index.nprobe = 8  # every list: nothing approximate left
    approximate = TitleRetriever(vectors, chunk_titles, 1400, index=index)
    rng = np.random.default_rng(1)
    narrow = rng.random(1500) < 0.02  # a filter that leaves a few dozen chunks
    assert approximate._search_approximate(index, vectors[3], 10, narrow) is not None  # no fallback
    for _ in range(20):
        vector = rng.standard_normal(16).astype(np.float32)
        query = Query("q", "en", raw_vector=vector / np.linalg.norm(vector))
        for allowed in (None, rng.random(1500) < 0.5, narrow):
            want, got = exact.search(query, 10, allowed), approximate.search(query, 10, allowed)
            assert got.positions.tolist() == want.positions.tolist()
            assert got.scores == pytest.approx(want.scores, abs=1e-5)


def test_when_the_lists_searched_hold_too_few_allowed_chunks_every_title_is_scored() -> None:
    vectors, chunk_titles = _titles_and_chunks(8)
    exact = TitleRetriever(vectors, chunk_titles, 1400)
    index = build_faiss_index(vectors, "IVF8,Flat")
    index.nprobe = 1  # one list of eight: about 50 titles
    approximate = TitleRetriever(vectors, chunk_titles, 1400, index=index)
    query = Query("q", "en", raw_vector=vectors[0])
    # Allowed: the chunks of the one title farthest from the question, which no list near
    # it holds; the approximate search finds too few and the exact one answers.
    far = int(np.argmin(vectors @ vectors[0]))
    allowed = chunk_titles == far
    assert allowed.sum() >= 1
    got = approximate.search(query, 10, allowed)
    assert got.positions.tolist() == exact.search(query, 10, allowed).positions.tolist()
    assert set(got.positions.tolist()) == set(np.flatnonzero(allowed).tolist())
    # Unfiltered, the nearest titles' chunks come from the list searched, best first.
    found = approximate.search(query, 10)
    assert len(found) == 10 and chunk_titles[int(found.positions[0])] == 0
