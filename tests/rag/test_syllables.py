import numpy as np

from rag.engine import SearchEngine
from rag.lexical.syllables import syllable_terms
from rag.parts.syllables import SyllableRanking
from tests.conftest import SEED


def test_hangul_runs_become_bigrams_and_latin_words_stay_whole() -> None:
    terms = syllable_terms("테드 번디의 PCA3, 2024년")
    assert terms == ["테드", "번디", "디의", "pca3", "2024"]  # 년 is a unit of 2024
    assert syllable_terms("암 환자") == ["암", "환자"]  # a one-syllable word on its own stays
    assert syllable_terms("What is NSTRI?") == ["what", "is", "nstri"]
    assert syllable_terms("") == []


def test_a_question_is_matched_by_its_words_with_content_not_its_question_words(
    engine: SearchEngine,
) -> None:
    [(_, words)] = engine.analyzer.query_terms_batch(["테드 번디의 외할아버지는 누구?"])
    assert words == ["테드", "번디의", "외할아버지는"]  # one name over two words; 누구 goes
    syllables = _ranking(engine)
    assert syllables.query_terms(engine.make_query("NSTRI는 무엇인가요?")) == ["nstri"]


def _ranking(engine: SearchEngine) -> SyllableRanking:
    ranking = engine.ranker.ranking("syllables")
    assert isinstance(ranking, SyllableRanking)
    return ranking


def test_only_korean_questions_get_a_syllable_ranking(engine: SearchEngine) -> None:
    syllables, params = _ranking(engine), engine.params
    english = engine.make_query("What platform did the hospital present in Boston?")
    assert syllables.query_terms(english) == [] and syllables.prepare(english, params) is None
    korean = engine.make_query("서울대병원이 보스턴에서 소개한 플랫폼은?")
    terms = syllables.query_terms(korean)
    assert "서울" in terms and "보스" in terms
    scores = syllables.prepare(korean, params)
    assert scores is not None
    best = engine.corpus.chunks[int(np.argmax(scores))]
    assert best.article_id == SEED.stem
    assert syllables.prepare(korean, params.but(syllable_weight=0.0)) is None
