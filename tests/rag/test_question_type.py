from rag.question_type import asks_for_number


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
