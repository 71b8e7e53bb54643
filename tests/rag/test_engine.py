from rag.engine import SearchEngine


def test_each_method_finds_the_seed(engine: SearchEngine) -> None:
    for method in ("hybrid", "bm25"):
        passages = engine.search("NSTRI", 3, method=method)
        assert passages[0].article_id == "000_771074c669c86fd7", method
    passages = engine.search("서울대병원이 보스턴에서 소개한 플랫폼은?", 3, method="dense")
    assert passages[0].article_id == "000_771074c669c86fd7"


def test_same_language_question_finds_its_article(engine: SearchEngine) -> None:
    passages = engine.search("지카바이러스가 남성 생식능력에 미치는 영향", 3)
    assert passages[0].article_id == "scinews-01"


def test_highlight_is_a_sentence_of_the_passage(engine: SearchEngine) -> None:
    passage = engine.search("How many patented technologies were presented?", 1)[0]
    assert passage.highlights
    for highlight in passage.highlights:
        assert highlight.text in passage.text
        assert passage.start <= highlight.start < highlight.end <= passage.end


def test_off_topic_questions_are_answered_not_found(engine: SearchEngine) -> None:
    for question in (
        "Who won the 1998 FIFA World Cup final?",
        "올해 프로야구 한국시리즈 우승팀은 어디인가?",
    ):
        answer = engine.answer(question)
        assert not answer.found and answer.passages == [], question
        assert "No passage" in answer.message


def test_answerable_questions_are_answered(engine: SearchEngine) -> None:
    for question in (
        "NSTRI는 무엇인가요?",
        "What is NSTRI?",
        "지카바이러스가 남성 생식능력에 미치는 영향",
    ):
        answer = engine.answer(question)
        assert answer.found and answer.passages, question
        assert 0.0 <= answer.confidence <= 1.0
