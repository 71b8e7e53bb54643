import numpy as np
import pytest

from rag.corpus import Filters
from rag.engine import SearchEngine
from rag.types import Query


def _rounds(engine: SearchEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many searches each call to the dense index carried (one call: one pass over an
    exact index's rows, one round trip to a sharded one)."""
    dense = engine.ranker.dense
    rounds: list[int] = []
    search_each = dense.search_each

    def counted(searches: list[tuple[Query, np.ndarray | None]], k: int) -> object:
        rounds.append(len(searches))
        return search_each(searches, k)

    monkeypatch.setattr(dense, "search_each", counted)
    return rounds


# The test index is small: each language is a partition of its own only below the default size.
PARTITIONED = {"min_partition_chunks": 1}


def test_a_question_searches_the_dense_index_in_two_rounds(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = engine.params.but(**PARTITIONED)
    assert len(engine.ranker.partitions(params)) == 2  # Korean and English
    rounds = _rounds(engine, monkeypatch)
    # The partitions together, then each partition's feedback vector together.
    engine.answer("서울대병원이 보스턴에서 소개한 플랫폼은?", params=params)
    assert rounds == [2, 2]
    rounds.clear()
    engine.answer("서울대병원이 보스턴에서 소개한 플랫폼은?")  # one partition
    assert rounds == [1, 1]


def test_under_a_filter_the_judges_unfiltered_candidates_come_with_the_first_round(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = engine.params.but(**PARTITIONED)
    filters = Filters(source="news.naver.com")
    allowed = engine.corpus.mask(filters)
    partitions = engine.ranker.partitions(params)
    filtered = sum(bool((p & allowed).any()) for p in partitions)
    assert len(partitions) == 2 and filtered == 1  # Korean news only
    rounds = _rounds(engine, monkeypatch)
    answer = engine.answer("NSTRI는 무엇인가요?", filters=filters, params=params)
    assert answer.passages
    # The filtered partitions and the unfiltered ones, then the feedback round: the judge
    # searches no more.
    assert rounds == [filtered + len(partitions), filtered]
    query = engine.make_query("NSTRI는 무엇인가요?")
    ranking = engine.rank(query, allowed, params=params)
    assert ranking.unfiltered_dense is not None
    pool = engine.ranker.dense_candidates(query, params)
    np.testing.assert_array_equal(ranking.unfiltered_dense.positions, pool.positions)
    np.testing.assert_array_equal(ranking.unfiltered_dense.scores, pool.scores)
