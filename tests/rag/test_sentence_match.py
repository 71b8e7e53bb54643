import numpy as np
import pytest

from rag.documents import Article, Chunk
from rag.engine import SearchEngine
from rag.retrieval.hybrid import Ranking
from rag.retrieval.sentence_match import SentenceMatcher
from rag.sentence_table import SentenceTable
from rag.types import Query, Scored
from tests.conftest import SEED, shared_analyzer

SPREAD = "Insulin prices rose again. Germany capped what patients pay for many drugs."
TOGETHER = "Patients were told little. Germany capped insulin prices last year."
IDF = {"insulin": 3.0, "price": 1.0, "germani": 2.0}


def _matcher() -> tuple[SentenceMatcher, Query]:
    articles = [Article("spread", SPREAD), Article("together", TOGETHER)]
    table = SentenceTable.build(articles, shared_analyzer())
    chunks = [Chunk(a.id, 0, 0, len(a.text), a.text, "en") for a in articles]
    query = Query("insulin prices in Germany", "en", concepts=[{"insulin"}, {"price"}, {"germani"}])
    return SentenceMatcher(table, chunks, IDF), query


def _head_spread(fused: Scored, partition: np.ndarray, depth: int) -> float:
    """Standard deviation of the first ``depth`` fused scores within one partition."""
    own = fused.scores[partition[fused.positions]]
    return float(np.sort(own)[::-1][:depth].std())


def test_a_passage_scores_by_its_best_sentence_not_by_its_words() -> None:
    matcher, query = _matcher()
    spread, together = matcher.coverage(query, [0, 1])
    assert spread == pytest.approx(4 / 6)  # insulin and price share a sentence, germany not
    assert together == 1.0
    # a concept is held by any of its terms (a translation counts)
    query.concepts = [{"인슐린", "insulin"}, {"kenya"}]
    assert matcher.coverage(query, [1])[0] == 1.0  # kenya: no sentence holds it, it weighs 0


def test_only_the_head_of_the_ranking_is_reordered() -> None:
    matcher, query = _matcher()
    fused = Scored(np.array([0, 1]), np.array([1.1, 1.0]))  # spread (std) 0.05
    # 1.1 + 4 * 0.05 * (4/6)^4 < 1.0 + 4 * 0.05 * 1: the complete sentence wins
    assert matcher.rerank(query, fused, depth=2, weight=4, power=4).positions.tolist() == [1, 0]
    assert matcher.rerank(query, fused, depth=2, weight=0.0) is fused
    # with the share unpowered, the partial sentence keeps most of the bonus: no change
    assert matcher.rerank(query, fused, depth=2, weight=4, power=1).positions.tolist() == [0, 1]
    # with a depth of one the second passage is not re-scored
    assert matcher.rerank(query, fused, depth=1, weight=4, power=4).positions.tolist() == [0, 1]


def test_the_engine_adds_the_best_sentence_share_to_the_fused_score(engine: SearchEngine) -> None:
    query = engine.make_query("서울대병원이 보스턴에서 소개한 플랫폼은?")
    ranking = engine.rank(query)
    first = int(ranking.ranked.positions[0])
    assert engine.corpus.chunks[first].article_id == SEED.stem
    matcher = engine.ranker.sentences
    assert matcher is not None
    share = float(matcher.coverage(query, [first])[0])
    # One sentence holds half the weight of the question's terms or more (float sums: ±1e-9).
    assert share >= 0.5 - 1e-9
    plain = engine.rank(query, params=engine.params.but(sentence_weight=0.0))

    def within_score(found: Ranking) -> float:
        evidence = found.evidence
        return float(evidence.scores[evidence.positions.tolist().index(first)])

    # the bonus is in units of the spread of the first fused scores of the passage's partition
    params = engine.params
    partition = next(p for p in engine.ranker.partitions(params) if p[first])
    spread = _head_spread(plain.evidence, partition, params.sentence_rerank_depth)
    bonus = params.sentence_weight * spread * share**params.sentence_share_power
    assert bonus > 0
    assert within_score(ranking) - within_score(plain) == pytest.approx(bonus)


def test_a_partition_of_another_language_takes_the_share_unpowered(engine: SearchEngine) -> None:
    # Every language ranked on its own: the seed (Korean) is in another language's partition.
    params = engine.params.but(min_partition_chunks=1)
    query = engine.make_query("Which platform did Seoul National University Hospital present?")
    assert query.lang == "en"
    ranking = engine.rank(query, params=params)
    korean = next(
        p
        for p in engine.ranker.partitions(params)
        if engine.corpus.chunks[int(np.flatnonzero(p)[0])].lang == "ko"
    )
    within = ranking.evidence
    first = next(int(p) for p in within.positions if korean[p])
    matcher = engine.ranker.sentences
    assert matcher is not None
    share = float(matcher.coverage(query, [first])[0])
    assert 0 < share < 1  # translations cover the question in part
    plain = engine.rank(query, params=params.but(sentence_weight=0.0)).evidence
    assert params.sentence_cross_power != params.sentence_share_power
    spread = _head_spread(plain, korean, params.sentence_rerank_depth)
    gained = float(within.scores[within.positions.tolist().index(first)]) - float(
        plain.scores[plain.positions.tolist().index(first)]
    )
    assert gained == pytest.approx(
        params.sentence_weight * spread * share**params.sentence_cross_power
    )


def test_a_passage_holds_the_concepts_of_all_its_sentences() -> None:
    matcher, query = _matcher()
    assert matcher.passage_coverage(query, [0]).tolist() == [1.0]  # spread over two sentences
    assert matcher.coverage(query, [0])[0] == pytest.approx(4 / 6)  # its best sentence
    query.concepts = [{"kenya"}]
    assert matcher.passage_coverage(query, [0]).tolist() == [0.0]


def test_a_translated_concept_weighs_as_the_question_s_own_word() -> None:
    articles = [Article("en", "Insulin prices rose."), Article("ko", "가격이 올랐다.")]
    table = SentenceTable.build(articles, shared_analyzer())
    chunks = [Chunk(a.id, 0, 0, len(a.text), a.text, a.id) for a in articles]
    # 가격 is rare in the whole index (its language has few passages), price is common.
    idf = {"insulin": 3.0, "price": 1.0, "가격": 6.0}
    matcher = SentenceMatcher(table, chunks, idf)
    query = Query("insulin price", "en", terms=["insulin", "price"])
    query.concepts = [{"insulin"}, {"price", "가격"}]
    english, korean_price = matcher.passage_coverage(query, [0, 1])
    assert english == 1.0
    assert korean_price == pytest.approx(1 / 4)  # not 6 / 9
    # An own word the index does not know (a Korean question about English articles): the
    # concept weighs as its translation.
    korean = Query("인슐린 값", "ko", terms=["인슐린", "값"])
    korean.concepts = [{"인슐린", "insulin"}, {"값", "price"}]
    assert matcher.passage_coverage(korean, [0, 1]).tolist() == [1.0, 0.0]
