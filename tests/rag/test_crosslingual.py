import numpy as np

from rag.crosslingual import Lexicon, Translator, center, language_means
from rag.embedding.encoder import Encoder
from rag.lexical.analyzer import LexicalAnalyzer
from rag.retrieval.hybrid import language_partitions


def test_centering_lets_a_translation_outrank_same_language_neighbours() -> None:
    rng = np.random.default_rng(0)
    content = rng.standard_normal((4, 16))  # four topics, each in both languages
    offset = {"ko": rng.standard_normal(16) * 3, "en": rng.standard_normal(16) * 3}
    languages = ["ko"] * 4 + ["en"] * 4
    vectors = np.vstack([content + offset["ko"], content + offset["en"]])

    def nearest(rows: np.ndarray) -> int:
        scores = rows @ rows[0]
        scores[0] = -np.inf
        return int(np.argmax(scores))

    raw = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert nearest(raw) < 4  # another Korean row, whatever its topic
    centred = center(vectors, languages, language_means(vectors, languages), alpha=1.0)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0)
    assert nearest(centred) == 4  # the same topic in English


def test_translator_maps_korean_words_to_english_terms(encoder: Encoder) -> None:
    analyzer = LexicalAnalyzer()
    words = ["patients", "hospital", "boston", "guitar", "weather"]
    lexicon = Lexicon(
        "en", words, [analyzer.word_terms(w) for w in words], encoder.encode_queries(words)
    )
    translator = Translator({"en": lexicon}, analyzer, encoder.encode_queries, cache_size=10)
    translations = translator.translate("보스턴 병원의 환자", "ko", 0.9)
    assert translations["보스턴"] == ["boston"] and translations["환자"] == ["patient"]
    assert all("guitar" not in terms for terms in translations.values())
    assert translator.translate("patients in Boston", "en", 0.9) == {}  # no other language


def test_small_languages_join_the_largest_partition() -> None:
    languages = np.array(["en"] * 100 + ["ko"] * 60 + ["ja"] * 3)
    masks = language_partitions(languages, min_chunks=50)
    assert len(masks) == 2
    assert sum(m.sum() for m in masks) == len(languages)
    assert language_partitions(np.array(["en"] * 100 + ["ko"] * 10), 50)[0].all()
