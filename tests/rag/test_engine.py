import numpy as np
import pytest

from rag.corpus import Filters
from rag.engine import SearchEngine


def test_each_method_finds_the_seed(engine: SearchEngine) -> None:
    for method in ("hybrid", "bm25"):
        passages = engine.search("NSTRI", 3, method=method)
        assert passages[0].article_id == "000_771074c669c86fd7", method
    passages = engine.search("서울대병원이 보스턴에서 소개한 플랫폼은?", 3, method="dense")
    assert passages[0].article_id == "000_771074c669c86fd7"


def test_same_language_question_finds_its_article(engine: SearchEngine) -> None:
    passages = engine.search("지카바이러스가 남성 생식능력에 미치는 영향", 3)
    assert passages[0].article_id == "scinews-01"


def test_highlight_is_a_sentence_of_the_passage(engine: SearchEngine) -> None:
    passage = engine.search("How many patented technologies were presented?", 1)[0]
    assert passage.highlights
    for highlight in passage.highlights:
        assert highlight.text in passage.text
        assert passage.start <= highlight.start < highlight.end <= passage.end


def test_off_topic_questions_are_answered_not_found(engine: SearchEngine) -> None:
    for question in (
        "Who won the 1998 FIFA World Cup final?",
        "2002년 월드컵에서 한국 축구 대표팀은 몇 위를 했나?",
    ):
        # Both name a year no passage holds. An off-topic question with nothing of the kind
        # may be answered: the model gives up such questions to keep answers to questions in
        # the reader's own words (docs/abstention.md).
        answer = engine.answer(question, top_k=3)
        # The closest passages come back for a person to judge, marked as not answering.
        assert not answer.found and len(answer.passages) == 3, question
        assert "No passage" in answer.message
        assert answer.passages[0].highlights


def test_answerable_questions_are_answered(engine: SearchEngine) -> None:
    for question in (
        "NSTRI는 무엇인가요?",
        "What is NSTRI?",
        "지카바이러스가 남성 생식능력에 미치는 영향",
    ):
        answer = engine.answer(question)
        assert answer.found and answer.passages, question
        assert 0.0 <= answer.confidence <= 1.0


def test_a_question_alone_and_in_a_batch_make_the_same_query(engine: SearchEngine) -> None:
    # Alone, a question and its new words share one packed forward pass; in a batch they
    # are embedded in padded batches. Both must give the same vectors and translations.
    questions = [
        "심근경색 환자에게 처방하는 약물의 임상시험 결과는?",
        "what did the vaccine trial find?",
    ]
    batch = engine.make_queries(questions)
    alone = [engine.make_query(q) for q in questions]
    assert batch[0].translations  # the Korean question's words were translated
    for left, right in zip(batch, alone, strict=True):
        assert left.vector is not None and right.vector is not None
        assert np.allclose(left.vector, right.vector, atol=1e-5)
        assert left.translations == right.translations and left.terms == right.terms


def test_abstention_signals_read_the_first_passage(engine: SearchEngine) -> None:
    def signals(question: str):  # type: ignore[no-untyped-def]
        query = engine.make_query(question)
        ranking = engine.rank(query)
        found = engine.judge.signals(query, ranking, engine.params)
        assert found is not None
        return found, query, ranking

    plain, query, ranking = signals("서울대병원이 보스턴에서 소개한 플랫폼은?")
    first = int(ranking.ranked.positions[0])
    assert engine.corpus.chunks[first].article_id == "000_771074c669c86fd7"
    evidence = int(ranking.evidence.positions[0])
    same_article = engine.corpus.chunks[evidence].article_id == "000_771074c669c86fd7"
    assert plain.agreement == float(same_article)
    assert plain.missing_year == 0.0
    assert plain.lexical_miss == 0.0
    # filtered to the other Korean articles, the first passage lacks the question's rarest term
    query = engine.make_query("NSTRI는 무엇인가요?")
    allowed = engine.corpus.mask(Filters(source="news.naver.com"))
    filtered = engine.judge.signals(query, engine.rank(query, allowed), engine.params, allowed)
    assert filtered is not None and filtered.cross == 0.0 and filtered.lexical_miss == 1.0
    # only the seed names NSTRI: unfiltered the term is known, filtered away it is not
    assert plain.unknown_share == 0.0
    unfiltered = engine.judge.signals(query, engine.rank(query), engine.params)
    assert unfiltered is not None and unfiltered.unknown_share == 0.0
    assert filtered.unknown_share == pytest.approx(1 / len(query.concepts))
    made_up = signals("What did Zqxwv Plorbix say about Blemfarg?")[0]
    assert made_up.unknown_share == pytest.approx(3 / 4)  # "say" is in the corpus
    # the seed is dated 2024 and names no other year
    assert signals("서울대병원이 2024년 보스턴에서 소개한 플랫폼은?")[0].missing_year == 0.0
    assert signals("서울대병원이 2031년 보스턴에서 소개한 플랫폼은?")[0].missing_year == 1.0


def test_how_much_is_the_question_s_wording_not_a_term_or_a_translation(
    engine: SearchEngine,
) -> None:
    question = "How much did the hospital spend on the new platform?"
    query = engine.make_query(question)
    assert "much" not in query.terms and "spend" in query.terms
    assert query.text == question  # the encoder reads the question as asked
    kept = engine.make_query(
        question, params=engine.params.model_copy(update={"question_quantifiers_dropped": False})
    )
    assert "much" in kept.terms
    assert set(query.translations) <= set(kept.translations)
