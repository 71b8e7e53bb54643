"""Spelling correction of question words the index does not know (rag/spelling.py)."""

from __future__ import annotations

from rag.engine import SearchEngine
from rag.lexical.analyzer import LexicalAnalyzer
from rag.spelling import SpellingCorrector, Words
from tests.conftest import a_slip

# IDF of a few indexed terms: lower is commoner.
IDF = {
    "vaccin": 2.0,
    "effect": 1.0,
    "exercis": 2.5,
    "diabet": 3.0,
    "diabetic": 4.0,
    "cholesterol": 3.5,
    "receiv": 1.5,
    "reliev": 3.0,
    "nstri": 6.0,
}


class CorpusWords(Words):
    """Known forms of terms, real words and the corpus's words, as a test gives them."""

    def __init__(
        self, forms: dict[str, list[str]], real: set[str], vocabulary: tuple[str, ...] = ()
    ) -> None:
        self._forms, self._real, self._vocabulary = forms, real, vocabulary

    def vocabulary(self) -> tuple[str, ...]:
        return self._vocabulary

    def forms(self, term: str) -> list[str]:
        return self._forms.get(term, [])

    def real(self, word: str) -> bool:
        return word in self._real


def _corrector(
    min_chars: int = 5, two_edits_chars: int = 9, words: Words | None = None
) -> SpellingCorrector:
    return SpellingCorrector(IDF, min_chars, two_edits_chars, words or Words())


def test_a_word_one_slip_from_an_indexed_term_is_read_as_it(analyzer: LexicalAnalyzer) -> None:
    text, corrections = _corrector().correct("ebola vacine efectiveness", analyzer.word_terms)
    assert corrections == {"vacine": "vaccin", "efectiveness": "effect"}
    assert text == "ebola vaccin effect"
    assert analyzer.terms(text) == ["ebola", "vaccin", "effect"]


def test_of_equally_near_terms_the_commonest_wins_and_known_words_stay(
    analyzer: LexicalAnalyzer,
) -> None:
    corrector = _corrector()
    # diabetis: diabet and diabetic are both one slip away; diabet is commoner.
    assert corrector.correct_term("diabeti") == "diabet"
    # recieve (a swap) is one slip from both receiv and reliev: receiv is commoner.
    assert corrector.correct_term("reciev") == "receiv"
    text, corrections = corrector.correct("vaccines and diabetes", analyzer.word_terms)
    assert (text, corrections) == ("vaccines and diabetes", {})


def test_names_real_words_short_and_far_words_are_left_alone(analyzer: LexicalAnalyzer) -> None:
    corrector = _corrector()
    for text in ("NSTRA", "the mRNAs", "about Vacine", "vacne", "colestrol hart"):
        # An acronym, a word with a capital inside, a capital not at the start, a term of
        # four letters, and (with two slips allowed only from 10 letters) two slips in nine.
        strict = _corrector(two_edits_chars=10) if "colestrol" in text else corrector
        assert strict.correct(text, analyzer.word_terms) == (text, {})
    # From 9 letters two slips are allowed: colestrol is cholesterol.
    assert corrector.correct("colestrol", analyzer.word_terms)[1] == {"colestrol": "cholesterol"}
    # A capital at the start is no name.
    assert corrector.correct("Vacine trials", analyzer.word_terms)[1] == {"Vacine": "vaccin"}
    # A real word is no slip, whatever the index holds.
    real = _corrector(words=CorpusWords({}, {"vacine"}))
    assert real.correct("vacine", analyzer.word_terms) == ("vacine", {})


def test_a_term_that_analyses_otherwise_is_written_as_a_corpus_word(
    analyzer: LexicalAnalyzer,
) -> None:
    # exercis is exercise's term, and analysed again it would be exerci.
    assert analyzer.word_terms("exercis") != ["exercis"]
    forms = {"exercis": ["exercise", "exercised", "exercises"], "vaccin": ["vaccinate", "vaccine"]}
    corrector = _corrector(words=CorpusWords(forms, set()))
    text, corrections = corrector.correct("excercise", analyzer.word_terms)
    assert (text, corrections) == ("exercise", {"excercise": "exercise"})
    assert analyzer.terms(text) == ["exercis"]
    # Of the corpus's words of the term, the one nearest the word typed.
    _, corrections = corrector.correct("Vacine", analyzer.word_terms)
    assert corrections == {"Vacine": "vaccine"}
    # Without a corpus word for it, no correction.
    assert _corrector().correct("excercise", analyzer.word_terms) == ("excercise", {})


def test_a_misspelt_question_searches_the_terms_of_the_spelt_one(engine: SearchEngine) -> None:
    # The lexical side searches it as typed correctly (the encoder reads it as typed).
    typo, word = a_slip(engine)
    # Translations left out: the word put back is the corpus's form of the term, which may
    # translate otherwise than the form typed (hospital for hospitals).
    untranslated = engine.params.but(translate=False)
    spelt = engine.make_query(f"{word} study", params=untranslated)
    misspelt = engine.make_query(f"{typo} study", params=untranslated)
    assert typo in misspelt.corrections
    assert misspelt.terms == spelt.terms
    bm25 = engine.rank(misspelt, method="bm25").hits[:5]
    assert bm25 and bm25 == engine.rank(spelt, method="bm25").hits[:5]
    off = engine.params.but(spelling_correction=False)
    assert engine.make_query(f"{typo} study", params=off).corrections == {}


def test_a_word_of_the_encoders_vocabulary_is_no_slip(engine: SearchEngine) -> None:
    # A word none of the index's terms, one slip from one that is, and one token of the
    # encoder's vocabulary: a real word (asked about an article the index lacks), left as typed.
    idf, speller = engine.bm25.idf, engine.speller(engine.params)
    real = next(
        variant
        for term in sorted(idf)
        if term.isascii() and term.isalpha() and 6 <= len(term) <= 8
        for variant in (term[:i] + term[i + 1 :] for i in range(1, len(term) - 1))
        if variant not in idf
        and engine.encoder.count_tokens(variant) == 1
        and engine.analyzer.word_terms(variant) == [variant]
    )
    assert speller.correct_term(real) is not None  # only its being real keeps it
    assert speller.words.real(real) and speller.words.real("drones")
    assert not speller.words.real("vacine")
    assert real not in engine.make_query(f"is {real} healthier").corrections


def test_a_slip_is_compared_word_to_word_with_the_corpus_words(analyzer: LexicalAnalyzer) -> None:
    # Stem to stem, experoment (expero) is one slip from experi and one from expert, the
    # commoner; word to word it is one slip from experiment only.
    idf = {**IDF, "experi": 2.0, "expert": 1.0}
    assert analyzer.word_terms("experoment") == ["expero"]
    words = CorpusWords({}, set(), ("experiment", "expert", "vaccine"))
    corrector = SpellingCorrector(idf, 5, 9, words)
    assert corrector.correct_term("expero") == "expert"
    text, corrections = corrector.correct("mouse experoment results", analyzer.word_terms)
    assert corrections == {"experoment": "experiment"} and text == "mouse experiment results"
    # A word whose term is short stays as typed, though a corpus word is a slip from it.
    short = SpellingCorrector({**idf, "nap": 3.0}, 5, 9, CorpusWords({}, set(), ("napping",)))
    assert analyzer.word_terms("knapping") == ["knap"]
    assert short.correct_word("knapping", analyzer.word_terms) == "napping"
    assert short.correct("stone knapping", analyzer.word_terms) == ("stone knapping", {})


def test_strings_grouped_by_length_find_what_a_search_of_them_all_finds() -> None:
    import random

    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from rag.spelling import StringsByLength

    rng = random.Random(5)
    strings = ["".join(rng.choice("abcde") for _ in range(rng.randint(2, 9))) for _ in range(600)]
    grouped = StringsByLength(strings)
    for word in [*strings[:60], "abcab", "eeeeeee", "a"]:
        for slips in (1, 2):
            everything = process.extract(
                word, strings, scorer=OSA.distance, score_cutoff=slips, limit=None
            )
            expected = sorted((s, int(d)) for s, d, _ in everything)
            assert sorted(grouped.near(word, slips)) == expected
