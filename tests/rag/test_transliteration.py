from rag.embedding.encoder import Encoder
from rag.lexical.analyzer import LexicalAnalyzer
from rag.transliteration import hangul_skeleton, latin_skeleton, word_skeleton
from tests.conftest import english_translator


def test_a_korean_loanword_and_its_english_spelling_share_a_skeleton() -> None:
    for korean, english in (
        ("트렘피어", "Tremfya"),
        ("맨시니", "Mancini"),
        ("터프츠", "Tufts"),
        ("캠벨", "Campbell"),
        ("메소디스트", "Methodist"),
        ("펜실베이니아", "Pennsylvania"),
    ):
        assert hangul_skeleton(korean) == latin_skeleton(english), (korean, english)
    # h is dropped (Johnson = 존슨), a final ㅇ is "ng" (킹스 = Kings), and a word
    # whose consonants differ does not match (Boston ≠ 보스톡).
    assert hangul_skeleton("존슨") == latin_skeleton("Johnson") == "SNSN"
    assert hangul_skeleton("킹스") == latin_skeleton("Kings") == "KNKS"
    assert hangul_skeleton("보스톡") != latin_skeleton("Boston")
    assert word_skeleton("보스턴") == word_skeleton("boston") == "PSTN"
    assert word_skeleton("NSTRI는") == ""  # mixed scripts: no skeleton


def test_the_translator_offers_the_neighbour_that_sounds_alike(
    encoder: Encoder, analyzer: LexicalAnalyzer
) -> None:
    translator = english_translator(
        encoder, ["tremfya", "tremor", "template", "treatment", "psoriasis"]
    )
    # A threshold no embedding reaches: only the sound of the name can translate it.
    assert translator.translate("트렘피어", "ko", 0.999) == {}
    found = translator.translate("트렘피어", "ko", 0.999, sound_neighbours=5)
    assert found == {"트렘피어": analyzer.word_terms("tremfya")}
