from rag.question_type import asks_for_number, question_focus
from rag.types import Query


def test_questions_asking_for_a_quantity_or_a_date() -> None:
    for question in (
        "How many patients took part?",
        "what percentage of adults take statins?",
        "When did the FDA approve it?",
        "참석자는 모두 몇 명이었나?",
        "선급금은 얼마인가?",
        "언제 출시되나?",
    ):
        assert asks_for_number(question), question
    for question in ("What is NSTRI?", "Who heads the institute?", "서울대병원이 소개한 플랫폼은?"):
        assert not asks_for_number(question), question


def test_a_korean_question_focuses_on_its_last_term_and_its_translations() -> None:
    query = Query(
        "서울대병원이 보스턴에서 소개한 플랫폼은?",
        "ko",
        terms=["서울대병원", "보스턴", "소개", "플랫폼"],
    )
    query.concepts = [{"서울대병원"}, {"보스턴", "boston"}, {"소개"}, {"플랫폼", "platform"}]
    assert question_focus(query) == {"플랫폼", "platform"}
    # English questions put what they ask anywhere: no focus
    assert (
        question_focus(Query("Which platform was shown?", "en", terms=["platform", "shown"]))
        == set()
    )
    assert question_focus(Query("?", "ko")) == set()
