from rag.question_type import ANSWER_KINDS, asked_kind, asks_for_number, question_focus
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


def test_the_kind_of_quantity_asked_and_the_sentences_that_state_it() -> None:
    asked = {
        "What share of patients had recovered by six months?": "share",
        "효과를 본 환자 비율은?": "share",
        "몇 퍼센트나 줄었나?": "share",
        "What is the price tag for the procedure?": "money",
        "1년 약값은 대략 얼마나 드나?": "money",
        "When will the kit go on sale?": "date",
        "임상시험은 언제 시작하나?": "date",
        "How much did blood pressure fall?": "change",
        "자폐 위험은 얼마나 높았나?": "change",
        "몇 퍼센트 낮았나?": "share",
        "How accurately did the model tell the faces apart?": "share",
        "쿼드콥터 한 대의 무게는?": "measure",
        "How much data did the probe send back?": "measure",
        "How many dogs were trained?": "count",
        "참석자는 몇 명이었나?": "count",
        "What is NSTRI?": None,
        "Who heads the institute?": None,
    }
    for question, name in asked.items():
        kind = asked_kind(question)
        assert (kind.name if kind else None) == name, question
    stated = {
        "share": ("Twenty-seven percent developed depression.", "환자의 84.5%가 나았다."),
        "money": ("It costs $20,000.", "한 달에 150만 원이 든다."),
        "date": ("It opens in March 2025.", "지난해 9월 시행됐다."),
        "change": ("The risk was 60% higher.", "Sales tripled.", "위험이 두 배였다."),
        "measure": ("It weighs 280 g.", "a 35-inch wire", "무게는 25mg 미만", "50 기가바이트"),
        "count": ("특허 기술 8건을 소개했다.", "406 participants began.", "Eight patients died."),
    }
    not_stated = {
        "share": "Of the 406 participants, 335 completed the study in 12 months.",
        "money": "It was tested on 40 people.",
        "date": "Six patients recovered.",
        "change": "Blood pressure fell in 40 people.",
        "measure": "It ran for 12 months in 3 genes.",
        "count": "지난 7일 행사를 열었다고 11일 밝혔다. In 2016 it was approved.",
    }
    for name, sentences in stated.items():
        kind = next(k for k in ANSWER_KINDS if k.name == name)
        assert all(kind.stated.search(s) for s in sentences), name
        assert not kind.stated.search(not_stated[name]), name


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
