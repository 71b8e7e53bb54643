import numpy as np
import pytest

from rag.config import QueryParams
from rag.crosslingual import Lexicon, Translator
from rag.dictionary import BilingualDictionary
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.lexical.analyzer import LexicalAnalyzer
from rag.lexical.bm25 import BM25Retriever
from rag.retrieval.dense import DenseRetriever
from rag.retrieval.hybrid import HybridRanker, language_partitions
from rag.retrieval.sentence_match import SentenceMatcher
from rag.sentence_table import SentenceTable
from rag.types import Hit, Query, Scored
from rag.vectors import build_faiss_index, center, language_means
from tests.conftest import english_translator, shared_analyzer


def two_language_translator(
    encoder: Encoder,
    analyzer: LexicalAnalyzer,
    korean: list[str],
    english: list[str],
    dictionary: BilingualDictionary,
) -> Translator:
    """A translator between a Korean and an English lexicon of these words, with the
    dictionary both ways (Korean → English as given, English → Korean reversed)."""
    lexicons = {
        "ko": Lexicon(
            "ko", korean, [analyzer.word_terms(w) for w in korean], encoder.encode_queries(korean)
        ),
        "en": english_translator(encoder, english).lexicons["en"],
    }
    return Translator(
        lexicons,
        analyzer,
        encoder.encode_queries,
        cache_size=10,
        dictionary=dictionary,
        english_dictionary=dictionary.reversed(),
    )


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
    words = ["patients", "hospital", "boston", "guitar", "weather"]
    translator = english_translator(encoder, words)
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


def test_partitions_are_merged_on_similarity_not_on_their_own_scale() -> None:
    # Passage 0 (English) answers the Korean question; passage 2 is the best of an off-topic
    # Korean partition, whose fused score within its partition is higher.
    question = np.array([1.0, 0.0, 0.0])
    vectors = np.array(
        [[0.8, 0.6, 0.0], [0.0, 1.0, 0.0], [0.7, 0.0, 0.714], [0.0, 0.0, 1.0]], dtype=np.float32
    )
    languages = np.array(["en", "en", "ko", "ko"])
    dense = DenseRetriever(build_faiss_index(vectors), vectors=vectors, ef_search=16, nprobe=1)
    params = QueryParams(min_partition_chunks=1)
    bm25 = BM25Retriever.__new__(BM25Retriever)  # not consulted by the merge
    ranker = HybridRanker(dense, bm25, languages)
    query = Query(text="q", lang="ko", raw_vector=question.astype(np.float32))
    within = Scored.of([Hit(2, 1.5), Hit(0, 1.2), Hit(3, -0.5), Hit(1, -0.6)])
    merged = ranker.calibrate(query, within, params).best_first().hits()
    # 0.8 + 0.09 (other language) beats 0.7, by more than the 0.3 lead in fused score.
    assert [h.position for h in merged][:2] == [0, 2]
    off = params.but(merge_similarity_weight=0.0)
    assert ranker.calibrate(query, within, off) is within
    # Passage 0 shares no term with the question (BM25 scores 0): no lift for it, unless the
    # setting is off.
    unlinked = np.array([0.0, 1.0, 2.0, 1.0])
    lifted = _by_position(ranker.calibrate(query, within, params))
    unlifted = _by_position(ranker.calibrate(query, within, params, unlinked))
    assert lifted[0] - unlifted[0] == pytest.approx(100 * 0.09)
    assert all(lifted[p] == unlifted[p] for p in (1, 2, 3))
    anyway = params.but(cross_language_offset_needs_term=False)
    assert ranker.calibrate(query, within, anyway, unlinked).scores.tolist() == list(
        ranker.calibrate(query, within, params).scores
    )


def _by_position(scored: Scored) -> dict[int, float]:
    return dict(zip(scored.positions.tolist(), scored.scores.tolist(), strict=True))


def _lead_ranker() -> HybridRanker:
    vectors = np.eye(4, dtype=np.float32)
    dense = DenseRetriever(build_faiss_index(vectors), vectors=vectors, ef_search=16, nprobe=1)
    bm25 = BM25Retriever.__new__(BM25Retriever)  # not consulted by the lead
    return HybridRanker(dense, bm25, np.array(["ko", "en", "ko", "en"]))


def test_another_language_leads_only_by_the_margin() -> None:
    ranker = _lead_ranker()
    query = Query(text="q", lang="en")
    merged = Scored.of([Hit(0, 90.5), Hit(1, 90.0), Hit(2, 89.0), Hit(3, 80.0)])
    params = QueryParams(lead_margin=1.0, lead_demotion=0.0)
    led = ranker.own_language_lead(query, merged, params)
    assert [h.position for h in led.hits()] == [1, 0, 2, 3]
    assert led.scores[0] == 90.5  # the leader takes the lead's score
    clear = Scored.of([Hit(0, 92.0), Hit(1, 90.0), Hit(2, 89.0), Hit(3, 80.0)])
    assert ranker.own_language_lead(query, clear, params) is clear  # 2 >= 1: it leads


def test_another_language_leads_only_holding_as_much_of_the_question_less_the_slack() -> None:
    # Passage 0 (Korean) holds insulin and price, passage 1 (English) insulin, price and
    # Germany: 4/6 and 1 of the English question's IDF-weighted concepts.
    articles = [
        Article("ko-article", "Insulin prices rose again."),
        Article("en-article", "Germany capped insulin prices last year."),
    ]
    table = SentenceTable.build(articles, shared_analyzer())
    chunks = [
        Chunk(a.id, 0, 0, len(a.text), a.text, lang)
        for a, lang in zip(articles, ("ko", "en"), strict=True)
    ]
    idf = {"insulin": 3.0, "price": 1.0, "germani": 2.0}
    ranker = _lead_ranker()
    ranker.sentences = SentenceMatcher(table, chunks, idf)
    concepts = [{"insulin"}, {"price"}, {"germani"}]
    query = Query(text="insulin prices in Germany", lang="en", concepts=concepts)
    merged = Scored.of([Hit(0, 95.0), Hit(1, 90.0)])  # Korean 0 wins by the margin
    params = QueryParams(lead_margin=1.0, lead_demotion=0.0)
    led = ranker.own_language_lead(query, merged, params.but(lead_coverage_slack=0.3))
    assert [h.position for h in led.hits()] == [1, 0]  # 4/6 < 1 - 0.3
    for slack in (0.4, 1.0):  # 4/6 >= 1 - 0.4; 1: the rule off
        kept = ranker.own_language_lead(query, merged, params.but(lead_coverage_slack=slack))
        assert kept is merged


def test_a_passage_in_another_language_holding_much_less_than_the_lead_follows() -> None:
    # English 1 leads holding the whole question; Korean 0 holds insulin and price (4/6),
    # Korean 2 price only (1/6): with the slack at 0.4, 2 follows even English 3.
    articles = [
        Article("ko-0", "Insulin prices rose again."),
        Article("en-1", "Germany capped insulin prices last year."),
        Article("ko-2", "Prices rose again."),
        Article("en-3", "A clinic opened."),
    ]
    table = SentenceTable.build(articles, shared_analyzer())
    chunks = [
        Chunk(a.id, 0, 0, len(a.text), a.text, lang)
        for a, lang in zip(articles, ("ko", "en", "ko", "en"), strict=True)
    ]
    ranker = _lead_ranker()
    ranker.sentences = SentenceMatcher(
        table, chunks, {"insulin": 3.0, "price": 1.0, "germani": 2.0}
    )
    query = Query(
        text="insulin prices in Germany",
        lang="en",
        concepts=[{"insulin"}, {"price"}, {"germani"}],
    )
    merged = Scored.of([Hit(1, 95.0), Hit(2, 94.5), Hit(0, 94.0), Hit(3, 80.0)])
    params = QueryParams(lead_demotion=0.0, lead_coverage_slack=0.4)
    followed = ranker.own_language_lead(query, merged, params)
    assert [h.position for h in followed.hits()] == [1, 0, 3, 2]
    assert list(followed.scores) == sorted(followed.scores, reverse=True)
    off = ranker.own_language_lead(query, merged, params.but(lead_uncovered_follow=False))
    assert [h.position for h in off.hits()] == [1, 2, 0, 3]


def test_a_partition_that_lost_the_lead_follows_unless_it_beats_the_demotion() -> None:
    ranker = _lead_ranker()
    query = Query(text="q", lang="en")
    # Korean 0 and 2 are off-topic bests of their partition, just above English 3.
    merged = Scored.of([Hit(0, 90.5), Hit(1, 90.0), Hit(2, 89.0), Hit(3, 88.0)])
    demoted = ranker.own_language_lead(query, merged, QueryParams(lead_demotion=3.0))
    assert [h.position for h in demoted.hits()] == [1, 3, 0, 2]
    assert list(demoted.scores) == sorted(demoted.scores, reverse=True)
    # Korean 2 beats English 3 by more than the demotion: it keeps its place.
    wide = Scored.of([Hit(1, 95.0), Hit(2, 94.0), Hit(3, 80.0), Hit(0, 79.0)])
    kept = ranker.own_language_lead(query, wide, QueryParams(lead_demotion=3.0))
    assert [h.position for h in kept.hits()] == [1, 2, 3, 0]
    # A Korean lead won by the margin demotes nothing.
    won = Scored.of([Hit(0, 95.0), Hit(1, 90.0), Hit(2, 89.0), Hit(3, 88.0)])
    assert ranker.own_language_lead(query, won, QueryParams(lead_demotion=3.0)) is won


def test_unseen_words_are_embedded_once_and_remembered(encoder: Encoder) -> None:
    calls: list[list[str]] = []

    def counting_encode(words: object) -> np.ndarray:
        calls.append(list(words))  # type: ignore[call-overload]
        return encoder.encode_queries(list(words))  # type: ignore[call-overload]

    translator = english_translator(encoder, ["patients", "hospital", "boston"])
    translator.encode_words = counting_encode
    assert translator.unseen_words("보스턴 병원의 환자", "ko") == ["보스턴", "병원", "환자"]
    words = ["보스턴", "환자"]
    translator.remember(words, encoder.encode_queries(words))
    assert translator.unseen_words("보스턴 병원의 환자", "ko") == ["병원"]
    translations = translator.translate("보스턴 병원의 환자", "ko", 0.9)
    assert calls == [["병원"]]  # only the word not remembered was embedded
    assert translations["보스턴"] == ["boston"] and translations["환자"] == ["patient"]
    assert translator.unseen_words("patients in Boston", "en") == []  # no other language


def test_a_word_the_dictionary_knows_is_translated_by_its_nearest_senses(encoder: Encoder) -> None:

    base = english_translator(encoder, ["ovary", "ovarian", "professor", "teaching", "guitar"])
    dictionary = BilingualDictionary(
        {"난소": ["ovary"], "교수": ["instruction", "professor", "teaching"], "기타": ["guitar"]}
    )
    translator = Translator(
        base.lexicons, base.analyzer, encoder.encode_queries, cache_size=10, dictionary=dictionary
    )
    assert translator.translate("난소", "ko", 0.99, dictionary_senses=1)["난소"] == ["ovari"]
    # Senses with no word in the corpus lexicon ("instruction") are never chosen.
    two = translator.translate("교수", "ko", 0.99, dictionary_senses=2)["교수"]
    assert sorted(two) == ["professor", "teach"]
    assert len(translator.translate("교수", "ko", 0.99, dictionary_senses=1)["교수"]) == 1
    # Off (0 senses): back to the nearest neighbour, which at 0.99 finds nothing.
    assert translator.translate("난소", "ko", 0.99, dictionary_senses=0) == {}


def test_an_english_word_is_translated_by_the_korean_headwords_that_mean_it(
    encoder: Encoder, analyzer: LexicalAnalyzer
) -> None:
    korean = ["백신", "감염", "주사"]
    dictionary = BilingualDictionary({"백신": ["vaccine"], "예방 주사": ["vaccine"]})
    translator = two_language_translator(encoder, analyzer, korean, ["vaccine"], dictionary)
    # Both headwords hold a lexicon word (예방 주사: 주사); with two senses kept, both.
    both = translator.translate("vaccines", "en", 0.99, dictionary_senses=2)["vaccines"]
    assert sorted(both) == ["백신", "예방", "주사"]
    assert translator.unseen_words("vaccines", "en", 2) == []  # no embedding needed
    # Off: the nearest Korean word by embedding, if near enough (here at 0.8).
    nearest = translator.translate("vaccines", "en", 0.8, dictionary_senses=0)["vaccines"]
    assert len(nearest) == 1 and nearest[0] in korean


def test_a_compound_is_translated_by_its_parts_as_one_of_the_questions_words(
    encoder: Encoder, analyzer: LexicalAnalyzer
) -> None:
    dictionary = BilingualDictionary(
        {"환각": ["hallucination"], "버섯": ["mushroom"], "증후군": ["syndrome"]}
    )
    english = ["mushroom", "hallucination", "syndrome"]
    translator = two_language_translator(encoder, analyzer, ["환자"], english, dictionary)
    question = "환각버섯 성분"
    # 환각버섯 is in neither the lexicon nor the dictionary: translated through 환각 and 버섯,
    # under its own name (the question's word that the translations stand for).
    split = translator.translate(question, "ko", 0.99, dictionary_senses=2, split_compounds=True)
    assert sorted(split["환각버섯"]) == ["hallucin", "mushroom"]
    whole = translator.translate(question, "ko", 0.99, dictionary_senses=2)
    assert "환각버섯" not in whole


def test_two_english_words_the_dictionary_translates_together_are_translated_as_one(
    encoder: Encoder, analyzer: LexicalAnalyzer
) -> None:
    korean = ["부작용", "효과", "측면"]
    dictionary = BilingualDictionary(
        {"부작용": ["side effect"], "효과": ["effect"], "측면": ["side"]}
    )
    translator = two_language_translator(encoder, analyzer, korean, ["effects"], dictionary)
    question = "Which side effects were seen?"
    together = translator.translate(question, "en", 0.99, dictionary_senses=2, phrases=True)
    assert together == {"side effects": ["부작용"]}  # neither word on its own
    apart = translator.translate(question, "en", 0.99, dictionary_senses=2)
    assert apart == {"side": ["측면"], "effects": ["효과"]}


def test_a_word_translated_by_all_its_senses_is_not_embedded(encoder: Encoder) -> None:

    embedded: list[str] = []

    def counting_encode(words: object) -> np.ndarray:
        embedded.extend(words)  # type: ignore[call-overload]
        return encoder.encode_queries(list(words))  # type: ignore[call-overload]

    base = english_translator(encoder, ["ovary", "professor", "teaching", "patients"])
    dictionary = BilingualDictionary(
        {"난소": ["ovary", "ovarium"], "교수": ["instruction", "professor", "teaching"]}
    )
    translator = Translator(
        base.lexicons, base.analyzer, counting_encode, cache_size=10, dictionary=dictionary
    )
    # 난소 has one usable sense and 교수 two: with two senses kept, neither needs choosing.
    assert translator.unseen_words("난소 교수 환자", "ko", 2) == ["환자"]
    assert translator.unseen_words("난소 교수 환자", "ko", 1) == ["교수", "환자"]
    translations = translator.translate("난소 교수 환자", "ko", 0.9, dictionary_senses=2)
    assert embedded == ["환자"]
    assert list(translations) == ["난소", "교수", "환자"]  # in the question's order
    assert translations["난소"] == ["ovari"]
    assert sorted(translations["교수"]) == ["professor", "teach"]


def test_translation_is_safe_from_several_threads_with_a_small_cache(encoder: Encoder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    translator = english_translator(encoder, ["patients", "hospital", "boston"])
    translator.cache_size = 2  # constant eviction while other threads read
    questions = ["보스턴 병원의 환자", "환자 병원", "보스턴 의사 간호사", "병원 보스턴 환자 치료"]
    expected = [translator.translate(q, "ko", 0.9) for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda q: translator.translate(q, "ko", 0.9), questions * 5))
    assert results == expected * 5


def test_a_compound_the_lexicon_lacks_is_translated_part_by_part(
    encoder: Encoder, analyzer: LexicalAnalyzer
) -> None:
    korean = ["보스턴", "서울", "날씨"]
    lexicons = {
        "ko": Lexicon(
            "ko", korean, [analyzer.word_terms(w) for w in korean], encoder.encode_queries(korean)
        ),
        "en": Lexicon(
            "en",
            ["boston", "seoul"],
            [["boston"], ["seoul"]],
            encoder.encode_queries(["boston", "seoul"]),
        ),
    }
    translator = Translator(lexicons, analyzer, encoder.encode_queries, cache_size=10)
    # The parts are lexicon words: nothing is embedded, and each part finds its own translation.
    assert translator.unseen_words("Where was BOSTON-SEOUL?", "en") == []
    translations = translator.translate("Where was BOSTON-SEOUL?", "en", 0.88)
    assert translations["BOSTON"] == ["보스턴"] and translations["SEOUL"] == ["서울"]


def test_senses_chosen_by_the_question_need_no_embedding_of_the_word(encoder: Encoder) -> None:

    embedded: list[str] = []

    def counting_encode(words: object) -> np.ndarray:
        embedded.extend(words)  # type: ignore[call-overload]
        return encoder.encode_queries(list(words))  # type: ignore[call-overload]

    base = english_translator(encoder, ["professor", "teaching", "guitar", "music", "etc"])
    dictionary = BilingualDictionary({"기타": ["guitar", "etc", "others"]})
    translator = Translator(
        base.lexicons, base.analyzer, counting_encode, cache_size=10, dictionary=dictionary
    )
    # Two usable senses, one kept: choosing needs a vector, the word's or the question's.
    assert translator.unseen_words("기타", "ko", 1) == ["기타"]
    assert translator.unseen_words("기타", "ko", 1, senses_by_question=True) == []
    question = "기타 연주를 배우는 음악 수업"
    vector = encoder.encode_queries([question])[0]
    translations = translator.translate(
        question, "ko", 0.99, dictionary_senses=1, question_vector=vector
    )
    assert translations["기타"] == ["guitar"] and "기타" not in embedded


def test_an_english_sense_the_corpus_holds_in_another_form_translates_by_its_stem(
    encoder: Encoder, analyzer: LexicalAnalyzer
) -> None:
    # The corpus says "obsessive"; the dictionary glosses 강박 as "obsession": one stem.
    base = english_translator(encoder, ["obsessive", "disorder", "device"])
    dictionary = BilingualDictionary({"강박": ["obsession"], "자기장": ["magnetic field"]})
    translator = Translator(
        base.lexicons, analyzer, encoder.encode_queries, cache_size=10, dictionary=dictionary
    )
    translations = translator.translate("강박 장애", "ko", 0.999, dictionary_senses=2)
    assert translations["강박"] == analyzer.word_terms("obsession") == ["obsess"]
    # Translated by the dictionary alone, with no embedding of the word.
    assert "강박" not in translator.unseen_words("강박 장애", "ko", 2)
    # A sense none of whose stems the corpus holds is still no translation.
    assert "자기장" not in translator.translate("자기장", "ko", 0.999, dictionary_senses=2)
