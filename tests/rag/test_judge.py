"""The judge on a one-article index: every word the corpus knows is in its one article, so
only the words it never holds tell an off-topic question from one it answers."""

from pathlib import Path

from index.loader import load_build
from rag.abstention import AbstentionModel, AnswerSignals
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.stages import Trace
from tests.conftest import SEED


def test_on_one_article_an_off_topic_question_is_not_a_complete_match(
    seed_build: Path, settings: Settings, encoder: Encoder
) -> None:
    _, engine = load_build(seed_build, settings, encoder)
    answered = engine.answer("what is NSTRI?", 3)
    assert answered.found and answered.passages[0].article_id == SEED.stem
    off_topic = engine.answer("Who won the 1998 FIFA World Cup final?", 3)
    # Its known words (translated to words of the article) are all in the article; "fifa" and
    # "cup" are in no passage, so the match is not complete and the model decides: under the
    # caution threshold, so it is "not found" or cited with a word of caution, never sure.
    assert off_topic.confidence < engine.params.caution_threshold
    assert not off_topic.found or off_topic.uncertain
    assert off_topic.passages  # the closest passage, for a person to judge


def test_the_subject_model_marks_answers_uncertain_and_never_hides_one(
    engine: SearchEngine,
) -> None:
    """Its threshold at 1 marks every answer that is not a complete lexical match; at 0,
    none. It never changes whether an answer is found, nor its confidence."""
    questions = ["What did the hospital present in Boston?", "How tall is Mount Everest?"]
    found = []
    for question in questions:
        off = engine.answer(question, 3, params=engine.params.but(subject_threshold=0.0))
        on = engine.answer(question, 3, params=engine.params.but(subject_threshold=1.0))
        assert (on.found, on.confidence) == (off.found, off.confidence), question
        assert [p.chunk_id for p in on.passages] == [p.chunk_id for p in off.passages]
        assert off.uncertain == (off.found and off.confidence < engine.params.caution_threshold)
        assert on.uncertain == on.found  # every answer found is marked, and says why
        assert not on.found or "may be about something the articles do not cover" in on.message
        found.append(on.found)
    assert any(found)  # the marks above were seen on an answer found
    # A complete lexical match ("NSTRI" is in the seed, and stands out) is never marked.
    complete = engine.answer("NSTRI", 3, params=engine.params.but(subject_threshold=1.0))
    assert complete.found and complete.confidence >= 0.5 and not complete.uncertain


def test_the_shipped_subject_model_marks_what_the_fitted_weights_say(
    engine: SearchEngine,
) -> None:
    trace = Trace()
    answer = engine.answer("What is the capital city of Canada?", 3, trace=trace)
    judged = next(stage for stage in trace.stages if stage.stage == "judge").output
    params = engine.params
    subject = AbstentionModel(tuple(params.subject_weights), params.subject_bias)
    signals = AnswerSignals(**judged["signals"])
    assert judged["off_subject"] == (subject.probability(signals) < params.subject_threshold)
    # Marked when found and either off the subject or under the caution threshold.
    low = answer.confidence < params.caution_threshold
    assert answer.uncertain == (answer.found and (judged["off_subject"] or low))
