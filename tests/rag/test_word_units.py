from rag.dictionary import BilingualDictionary
from rag.word_units import english_pairs, segment


def test_a_compound_noun_unknown_to_the_dictionary_is_made_of_its_words() -> None:
    dictionary = BilingualDictionary(
        {"환각": ["hallucination"], "버섯": ["mushroom"], "버": ["bu"], "섯": ["seot"]}
    )
    assert segment("환각버섯", dictionary) == ["환각", "버섯"]
    # Only whole words of two syllables or more, and only a complete spelling.
    assert segment("환각버", dictionary) == []
    assert segment("자프겐", dictionary) == [] and segment("환각", dictionary) == []


def test_english_pairs_are_neighbours_without_a_stop_word() -> None:
    assert english_pairs("What side effects did the vaccine's trial find?") == [
        "side effects",
        "vaccine's trial",
        "trial find",
    ]
