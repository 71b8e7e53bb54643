"""Spelling correction of Korean question nouns the index does not know
(rag/korean_spelling.py)."""

from __future__ import annotations

from rag.engine import SearchEngine
from rag.korean_spelling import KoreanSpellingCorrector, jamo
from rag.lexical.analyzer import LexicalAnalyzer
from rag.spelling import Words

# IDF of a few indexed Korean terms: lower is commoner.
IDF = {
    "흡연": 2.0,
    "로봇": 1.5,
    "감염": 1.0,
    "감면": 3.0,
    "주삿바늘": 4.0,
    "고환": 3.5,
    "연구": 0.5,
}


class RealWords(Words):
    def __init__(self, real: set[str]) -> None:
        self._real = real

    def real(self, word: str) -> bool:
        return word in self._real


def _corrector(real: set[str] | None = None) -> KoreanSpellingCorrector:
    return KoreanSpellingCorrector(IDF, 5, 9, RealWords(real or set()))


class _DictionaryWords(Words):
    """Real words: those the analyzer's dictionary holds."""

    def __init__(self, analyzer: LexicalAnalyzer) -> None:
        self._known = analyzer.in_korean_dictionary

    def real(self, word: str) -> bool:
        return self._known(word)


def test_a_slip_is_one_jamo() -> None:
    from rapidfuzz.distance import OSA

    # 흡: ㅎ ㅡ ㅂ, 연: ㅇ ㅕ ㄴ (initial, vowel, final of each syllable)
    assert jamo("\ud761\uc5f0") == "\u1112\u1173\u11b8\u110b\u1167\u11ab"
    assert OSA.distance(jamo("흡엽"), jamo("흡연")) == 1  # the final ㅂ for ㄴ
    assert OSA.distance(jamo("고한"), jamo("고환")) == 1  # the vowel ㅏ for ㅘ


def _correct(text: str, analyzer: LexicalAnalyzer, real: set[str] | None = None) -> tuple:
    return _corrector(real).correct(text, analyzer.unknown_korean_nouns)


def test_a_noun_a_slip_from_an_indexed_one_is_read_as_it(analyzer: LexicalAnalyzer) -> None:
    # 감얌: unknown to the analyzer's dictionary; 감염 and 감면 are both a slip away (a vowel),
    # and the commoner wins.
    assert analyzer.unknown_korean_nouns("감얌된 쥐") == ["감얌"]
    assert _correct("감얌된 쥐", analyzer) == ("감염된 쥐", {"감얌": "감염"})
    # Two slips in a long noun (룰 for 늘: an initial and a vowel).
    assert _correct("주삿바룰은 어디서", analyzer) == (
        "주삿바늘은 어디서",
        {"주삿바룰": "주삿바늘"},
    )


def test_a_misspelt_compound_is_an_indexed_noun_beside_a_corrected_one(
    analyzer: LexicalAnalyzer,
) -> None:
    # The analyzer keeps the misspelt compound whole; the index holds its corrected parts.
    assert analyzer.unknown_korean_nouns("흡엽로봇을 만든 곳은?") == ["흡엽로봇"]
    _, corrections = _correct("흡엽로봇을 만든 곳은?", analyzer)
    assert corrections == {"흡엽로봇": "흡연로봇"}
    assert analyzer.terms("흡연로봇을") == ["흡연", "로봇"]


def test_words_the_analyzer_knows_and_their_parts_stay_as_they_are(
    analyzer: LexicalAnalyzer,
) -> None:
    # 고한 is a slip from 고환 (indexed), but also a place the analyzer's dictionary holds.
    assert analyzer.in_korean_dictionary("고한")
    assert _correct("고한은 어떻게", analyzer) == ("고한은 어떻게", {})
    # An unknown name with a known word at its end: the known word is not changed, even where
    # the whole is a slip from an indexed noun.
    corrector = KoreanSpellingCorrector(
        {**IDF, "다이세이전설": 2.0}, 5, 9, _DictionaryWords(analyzer)
    )
    assert corrector.nearest("다이세이건설") == (1, "다이세이전설")
    assert corrector.correct_term("다이세이건설") is None
    # Nor as an indexed noun beside one a slip from its known part (전설 for 건설).
    split = KoreanSpellingCorrector(
        {**IDF, "다이세이": 2.0, "전설": 1.0}, 5, 9, _DictionaryWords(analyzer)
    )
    assert split.nearest("건설") == (1, "전설")
    assert split.correct_term("다이세이건설") is None


def test_known_real_short_and_far_nouns_are_left_alone(analyzer: LexicalAnalyzer) -> None:
    corrector = _corrector(real={"흡엽"})
    assert corrector.correct_term("흡엽") is None  # a word a dictionary knows
    assert corrector.correct_term("연구") is None  # indexed
    assert corrector.correct_term("감") is None  # one syllable
    assert corrector.correct_term("로봇x") is None  # not Hangul alone
    assert corrector.correct_term("자동차") is None  # nothing a slip away
    text = "로봇 연구는 누가 했나?"
    assert _correct(text, analyzer) == (text, {})


def test_a_misspelt_korean_question_searches_the_terms_of_the_spelt_one(
    engine: SearchEngine,
) -> None:
    # A noun of the seed, with its last syllable's final consonant dropped: no passage holds it.
    word = next(
        term
        for term in sorted(engine.bm25.idf, key=len, reverse=True)
        if len(term) >= 3
        and all("가" <= c <= "힣" for c in term)
        and (ord(term[-1]) - 0xAC00) % 28
        and not engine.translator.knows_word(term, "ko")
    )
    typo = word[:-1] + chr(ord(word[-1]) - (ord(word[-1]) - 0xAC00) % 28)
    assert engine.analyzer.word_terms(typo) != [word]
    untranslated = engine.params.but(translate=False)
    spelt = engine.make_query(f"{word}의 목적은?", params=untranslated)
    misspelt = engine.make_query(f"{typo}의 목적은?", params=untranslated)
    assert misspelt.corrections and misspelt.terms == spelt.terms
    off = engine.params.but(spelling_correction=False)
    assert engine.make_query(f"{typo}의 목적은?", params=off).corrections == {}


def test_a_misspelt_compound_of_several_indexed_nouns_is_read_piece_by_piece(
    analyzer: LexicalAnalyzer,
) -> None:
    idf = {**IDF, "국가": 1.0, "안전": 1.2, "시스템": 1.4}
    corrector = KoreanSpellingCorrector(idf, 5, 9, _DictionaryWords(analyzer))
    # 꾹가 for 국가 (an initial): the index holds 국가, 안전 and 시스템, not the compound.
    assert corrector.nearest("꾹가안전시스템") is None
    assert corrector.correct_term("꾹가안전시스템") == "국가안전시스템"
    # Indexed pieces with no slip among them are no correction.
    assert corrector.correct_term("국가안전시스템") is None
