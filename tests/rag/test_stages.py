"""The answer path as stages: what each stage records, and the paths that skip stages."""

from __future__ import annotations

from rag.answer import NO_CONTENT_MESSAGE, OTHER_SCRIPT_MESSAGE, Highlight, Passage
from rag.config import QueryParams
from rag.engine import SearchEngine
from rag.language import in_another_script
from rag.stages import STAGES, Trace, answer_query, prepare
from tests.conftest import SEED


def test_a_traced_answer_records_every_stage_in_order_with_its_output(
    engine: SearchEngine,
) -> None:
    trace = Trace()
    answer = engine.answer("서울대병원이 보스턴에서 소개한 플랫폼은?", 3, trace=trace)
    # Every stage but the reader's, which is off unless asked for.
    assert [record.stage for record in trace.stages] == [s for s in STAGES if s != "read"]
    assert all(record.ms > 0 for record in trace.stages)
    by_stage = {record.stage: record.output for record in trace.stages}
    assert by_stage["prepare"]["lang"] == "ko" and by_stage["prepare"]["terms"]
    assert by_stage["rank"]["hits"][0]["chunk_id"] == answer.passages[0].chunk_id
    assert by_stage["judge"]["found"] == answer.found
    assert by_stage["judge"]["confidence"] == answer.confidence
    assert set(by_stage["judge"]["signals"]) >= {"similarity", "coverage"}
    assert by_stage["cite"]["passages"] == len(answer.passages) == 3
    assert answer.trace == trace.to_list()
    assert engine.answer("서울대병원이 보스턴에서 소개한 플랫폼은?", 3).trace is None


def test_the_path_answers_as_the_engine_does(engine: SearchEngine) -> None:
    question = "What did the hospital present in Boston?"
    served = engine.answer(question, 5)
    answered = answer_query(engine, prepare(engine, question), 5)

    def cited(passages: list[Passage]) -> list[tuple[str, int, int, list[Highlight]]]:
        return [(p.chunk_id, p.start, p.end, p.highlights) for p in passages]

    # The same citations; scores may differ in the last digits, since the question's new
    # words were embedded with it the first time and found in the word cache the second.
    assert cited(answered.answer.passages) == cited(served.passages)
    assert (answered.answer.found, answered.answer.message) == (served.found, served.message)
    assert answered.ranking is not None and answered.decision is not None
    assert answered.passages[0].article_id == SEED.stem


def test_a_question_without_content_is_not_ranked(engine: SearchEngine) -> None:
    trace = Trace()
    answered = answer_query(engine, prepare(engine, "무엇인가요?"), 5, trace=trace)
    assert answered.ranking is None and not answered.answer.found
    assert answered.answer.passages == []
    assert [record.stage for record in trace.stages] == []  # no stage ran past preparation
    assert answered.answer.message == NO_CONTENT_MESSAGE


def test_a_question_in_another_script_is_asked_for_in_korean_or_english(
    engine: SearchEngine,
) -> None:
    for question in ("ジカウイルスとは何ですか", "寨卡病毒是什么", "Что такое вирус Зика?"):
        answered = answer_query(engine, prepare(engine, question), 5)
        assert not answered.answer.found and answered.answer.message == OTHER_SCRIPT_MESSAGE
    assert not in_another_script("NSTRI는 무엇인가?") and not in_another_script("Qu'est-ce?")


def test_an_unjudged_path_skips_the_judge_and_quotes_only_what_it_is_asked(
    engine: SearchEngine,
) -> None:
    trace = Trace()
    query = prepare(engine, "NSTRI는 무엇인가요?")
    answered = answer_query(engine, query, 4, judged=False, quoted=1, trace=trace)
    assert [record.stage for record in trace.stages] == ["rank", "cite"]
    assert answered.decision is None and answered.answer.found
    assert answered.passages[0].highlights and not answered.passages[1].highlights


def test_parameters_are_passed_per_request_and_leave_the_shared_engine_as_it_was(
    engine: SearchEngine,
) -> None:
    defaults = engine.params
    question = "What was the weather in Oslo on Tuesday?"
    served = engine.answer(question, 2)
    strict = engine.answer(question, 2, params=defaults.but(abstain_threshold=0.999))
    assert not strict.found and strict.confidence == served.confidence
    unjudged = engine.answer(question, 2, params=strict_off(defaults))
    assert unjudged.found and unjudged.passages[0].chunk_id == served.passages[0].chunk_id
    assert len(engine.search(question, params=defaults.but(top_k=4))) == 4
    assert engine.params is defaults
    again = engine.answer(question, 2)
    assert (again.found, again.confidence) == (served.found, served.confidence)


def strict_off(params: QueryParams) -> QueryParams:
    return params.but(abstain_threshold=0.999, abstain=False)


def test_a_found_answer_under_the_caution_threshold_is_cited_and_marked_uncertain(
    engine: SearchEngine,
) -> None:
    question = "What is NSTRI?"
    plain = engine.answer(question, 3, params=engine.params.but(caution_threshold=0.0))
    assert plain.found and not plain.uncertain
    assert plain.message == "Found 3 cited passages."
    # Above its confidence: still found, the same passages, with a word of caution.
    cautious = engine.answer(question, 3, params=engine.params.but(caution_threshold=1.0))
    assert cautious.found and cautious.uncertain
    assert [p.chunk_id for p in cautious.passages] == [p.chunk_id for p in plain.passages]
    assert "may not answer" in cautious.message
    assert f"confidence {cautious.confidence:.2f}" in cautious.message
    # Not found is never uncertain, and without abstention nothing is.
    always = engine.params.but(caution_threshold=1.0)
    hidden = engine.answer("Who won the 1998 FIFA World Cup final?", 3, params=always)
    assert not hidden.found and not hidden.uncertain
    unjudged = engine.answer(question, 3, params=strict_off(always))
    assert unjudged.found and not unjudged.uncertain
