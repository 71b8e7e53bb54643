import os

from rag.lexical.analyzer import LexicalAnalyzer, has_content, without_question_quantifiers
from tests.conftest import shared_analyzer

analyzer = shared_analyzer()


def test_korean_keeps_content_morphemes_and_drops_particles() -> None:
    terms = analyzer.terms("서울대병원은 글로벌 데이터 플랫폼(NSTRI)을 선보였다")
    assert terms[:4] == ["서울대병원", "글로벌", "데이터", "플랫폼"]
    assert "선보이" in terms and "nstri" in terms
    assert "은" not in terms and "을" not in terms


def test_english_is_lowercased_stemmed_and_stop_words_dropped() -> None:
    assert analyzer.terms("What are the Vaccines doing?") == ["vaccin"]


def test_negative_contractions_are_no_terms_and_curly_apostrophes_are_apostrophes() -> None:
    # doesn't, isn’t, won't: auxiliaries, whichever apostrophe; a possessive keeps its word.
    question = "Why doesn’t the flu shot work, and isn't it safe? Won't Alzheimer’s drugs help?"
    assert analyzer.terms(question) == ["flu", "shot", "work", "safe", "alzheim", "drug", "help"]
    assert analyzer.query_terms_batch([question])[0][0] == analyzer.terms(question)
    # In Korean text too, and a word spelt like a contraction's first part is still a word.
    assert analyzer.terms("NSTRI는 doesn’t") == ["nstri"]
    assert analyzer.terms("Don Smith won the prize") == ["don", "smith", "won", "prize"]


def test_batch_equals_single() -> None:
    texts = ["NSTRI는 무엇인가요?", "What is NSTRI?", "백신 접종률 3.5% 증가"]
    assert analyzer.terms_batch(texts) == [analyzer.terms(t) for t in texts]
    assert "nstri" in analyzer.terms(texts[0]) and "nstri" in analyzer.terms(texts[1])


def test_latin_words_and_numbers_in_korean_text_match_english_text() -> None:
    korean = analyzer.terms("PCA3와 TMPRSS2-ERG 융합 유전자, 3,252명")
    english = analyzer.terms("the PCA3 test and the TMPRSS2-ERG fusion in 3,252 women")
    assert {"pca3", "tmprss2", "erg", "3", "252"} <= set(korean) & set(english)
    assert "융합" in korean


def test_names_are_proper_nouns_and_capitalized_words_not_sentence_openers() -> None:
    english = "What did Seoul National University Hospital present in Boston? Which NSTRI?"
    assert analyzer.names(english, "en") == [
        "Seoul",
        "National",
        "University",
        "Hospital",
        "Boston",
        "NSTRI",
    ]
    assert analyzer.names("What is the price of insulin?", "en") == []
    assert analyzer.names("일본에서 NSTRI는 언제 공개됐나?", "ko") == ["일본", "NSTRI"]


def test_a_question_of_punctuation_or_template_syntax_has_no_content() -> None:
    for text in ("?!.,;", "...", "{{7*7}} ${7*7} %s%s%s%n", "2019?"):
        assert not has_content(analyzer.terms(text)), text
    for text in ("what is AI?", "NSTRI는 무엇인가요?", "암"):
        assert has_content(analyzer.terms(text)), text


def test_analyzers_share_one_kiwi_model_where_their_threads_allow() -> None:
    cores = os.cpu_count() or 1
    threaded = LexicalAnalyzer(workers=-1)
    # all cores (-1) is the same model as that many threads, and no threads (0) analyses one
    # text at a time on whichever model is loaded: one load, not three
    assert LexicalAnalyzer(workers=cores)._kiwi is threaded._kiwi
    assert LexicalAnalyzer(workers=0)._kiwi is threaded._kiwi
    text = "서울대병원이 보스턴에서 인공지능 플랫폼을 소개했다"
    assert LexicalAnalyzer(workers=0).terms(text) == threaded.terms(text)
    assert LexicalAnalyzer(workers=0).terms_batch([text, text]) == threaded.terms_batch(
        [text, text]
    )


def test_word_terms_are_remembered_copies_and_survive_pickling() -> None:
    import pickle

    fresh = LexicalAnalyzer()
    for word in ("부작용", "예방 접종", "side effect"):
        first = fresh.word_terms(word)
        assert first == fresh.terms(word) and first
        first.append("changed by a caller")  # a copy: the remembered terms stay as they were
        assert fresh.word_terms(word) == fresh.terms(word)
    copied = pickle.loads(pickle.dumps(fresh))
    assert copied.word_terms("부작용") == fresh.terms("부작용")


def test_the_quantifier_of_how_much_questions_is_blanked_where_it_was() -> None:
    question = "How much do PCSK9 inhibitors cost, and how  many people take them?"
    blanked = without_question_quantifiers(question)
    assert len(blanked) == len(question)  # offsets into the question hold
    assert "much" not in blanked and "many" not in blanked
    words = "How do PCSK9 inhibitors cost, and how people take them?".split()
    assert blanked.split() == words
    # Only after "how": elsewhere the word may be the question's subject.
    for kept in ("Is much of the cost covered?", "Somehow many agreed", "How effective is it?"):
        assert without_question_quantifiers(kept) == kept
