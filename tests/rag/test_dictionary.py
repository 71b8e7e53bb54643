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
