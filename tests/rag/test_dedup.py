from rag.dedup import find_duplicates

BASE = (
    "The health ministry said on Monday that the new vaccine programme would reach every "
    "district by the end of the year, with priority given to older people and those with "
    "chronic illness, according to a statement released to reporters in the capital city."
)


def _find(texts: list[str]) -> list[tuple[str, str]]:
    ids = [f"a{i}" for i in range(len(texts))]
    found = find_duplicates(ids, texts, threshold=0.8, permutations=128, shingle_words=3)
    return [(d.article_id, d.duplicate_of) for d in found]


def test_exact_copies_and_wire_copies_are_found() -> None:
    wire_copy = BASE.replace("on Monday", "on Monday,") + " Reporting by a wire service."
    unrelated = "Researchers found that walking every day lowers blood pressure in older adults."
    found = _find([BASE, unrelated, BASE.upper(), wire_copy])
    assert ("a2", "a0") in found  # same words, other case
    assert ("a3", "a0") in found  # near copy
    assert all(article != "a1" for article, _ in found)


def test_distinct_articles_are_not_duplicates() -> None:
    other = (
        BASE.replace("vaccine programme", "screening programme").replace(
            "older people and those with chronic illness", "children in rural schools"
        )
        + " A second paragraph adds new facts about funding, staffing and the timetable."
    )
    assert _find([BASE, other]) == []
