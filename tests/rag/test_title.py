import numpy as np
import pytest

from rag.documents import Article, Chunk
from rag.engine import SearchEngine
from rag.retrieval.title import NO_TITLE, TitleRetriever, TitleTable
from rag.types import Query


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
