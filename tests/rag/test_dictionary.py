from rag.dictionary import BilingualDictionary, load_dictionary


def test_entries_become_senses_without_endings_or_being() -> None:
    dictionary = BilingualDictionary.from_entries(
        {
            "a": {"word": "난소", "meaning": "ovarium; ovary"},
            "b": {"word": "산전", "meaning": "being prenatal; field on a mountain"},
            "c": {"word": "-ㄴ 것", "meaning": "-n geot"},
            "d": {"word": "난소", "meaning": "ovary"},  # a homograph adds no duplicate
        }
    )
    assert dictionary.senses("난소") == ["ovarium", "ovary"]
    assert dictionary.senses("산전") == ["prenatal", "field on a mountain"]
    assert dictionary.senses("-ㄴ 것") == [] and len(dictionary) == 2


def test_the_installed_dictionary_knows_common_medical_words() -> None:
    dictionary = load_dictionary()
    assert len(dictionary) > 40_000
    assert "ovary" in dictionary.senses("난소") and "autism" in dictionary.senses("자폐")


def test_reversed_it_gives_the_korean_headwords_of_an_english_word_by_its_stem() -> None:
    dictionary = BilingualDictionary(
        {
            "백신": ["vaccine"],
            "접종": ["inoculation", "a vaccine"],  # stop words do not count
            "치료": ["treatment", "medical treatment"],
            "요법": ["therapy", "treatment"],
            "부작용": ["side effect", "an adverse effect of a drug"],
        }
    )
    english = dictionary.reversed()
    assert english.senses("Vaccines") == ["백신", "접종"]  # any case, any inflection
    # A sense of two words is the pair's, not either word's: 치료 is not "medical".
    assert english.senses("treatment") == ["치료", "요법"] and english.senses("medical") == []
    assert english.senses("medical treatments") == ["치료"]
    assert english.senses("Side effects") == ["부작용"] and english.senses("side") == []
    assert english.senses("adverse effect") == []  # a sense of three words or more: none
    assert english.senses("therapies") == ["요법"]
    assert dictionary.reversed() is english  # made once


def test_the_installed_dictionary_reversed_knows_english_medical_words() -> None:
    english = load_dictionary().reversed()
    assert "백신" in english.senses("vaccine") and "수술" in english.senses("surgeries")
