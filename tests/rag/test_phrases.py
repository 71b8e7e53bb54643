import numpy as np
import pytest

from rag.engine import SearchEngine
from rag.lexical import phrases
from rag.lexical.analyzer import LexicalAnalyzer
from rag.lexical.phrases import phrase_rows, phrase_terms
from rag.lexical.term_rows import EMPTY_TERM, TermRows
from rag.parts.phrases import PhraseRanking
from tests.conftest import SEED


def test_phrases_pair_each_term_with_the_next() -> None:
    assert phrase_terms(["평양", "개최", "1989"]) == ["평양 개최", "개최 1989"]
    assert phrase_terms(["insulin"]) == []
    assert phrase_terms([]) == []


def test_korean_terms_keep_the_order_of_the_text_latin_words_included(
    analyzer: LexicalAnalyzer,
) -> None:
    terms = analyzer.terms("서울대병원은 NSTRI를 2024년 보스턴에서 소개했다")
    assert terms == ["서울대병원", "nstri", "2024", "보스턴", "소개"]
    # Particles and endings are no terms, so a phrase spans them: 평양에서 개최된 = 평양 개최.
    assert phrase_terms(analyzer.terms("평양에서 개최된 대회")) == [
        "평양 개최",
        "개최 대회",
    ]


def _ranking(engine: SearchEngine) -> PhraseRanking:
    ranking = engine.ranker.ranking("phrases")
    assert isinstance(ranking, PhraseRanking)
    return ranking


def test_a_question_ranks_the_passage_holding_its_phrases(engine: SearchEngine) -> None:
    phrases = _ranking(engine)
    query = engine.make_query("서울대병원이 보스턴에서 소개한 플랫폼은?")
    assert "보스턴 소개" in phrases.query_terms(query)
    scores = phrases.prepare(query, engine.params)
    assert scores is not None
    assert engine.corpus.chunks[int(np.argmax(scores))].article_id == SEED.stem
    assert phrases.prepare(query, engine.params.but(phrase_weight=0.0)) is None


def test_a_one_term_question_has_no_phrase_ranking(engine: SearchEngine) -> None:
    phrases = _ranking(engine)
    query = engine.make_query("NSTRI?")
    assert phrases.query_terms(query) == [] and phrases.prepare(query, engine.params) is None


def test_phrase_rows_from_ids_are_the_rows_of_phrase_strings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(phrases, "BLOCK_ROWS", 7)  # rows paired over several blocks
    rng = np.random.default_rng(17)
    vocabulary = [f"w{i}" for i in range(25)]
    corpus = [list(rng.choice(vocabulary, size=int(rng.integers(0, 12)))) for _ in range(300)]
    rows = TermRows.of(corpus)
    ours = phrase_rows(rows)
    reference = TermRows.of(phrase_terms(row) for row in rows)
    assert ours.vocab == reference.vocab and ours.words == reference.words
    assert [ours.row_ids(i) for i in range(len(ours))] == [
        reference.row_ids(i) for i in range(len(reference))
    ]
    assert np.array_equal(ours.ends, reference.ends)
    assert phrase_rows(TermRows.of([["a"], []])).vocab == {EMPTY_TERM: 0}
