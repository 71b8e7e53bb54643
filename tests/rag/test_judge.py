"""The judge on a one-article index: every word the corpus knows is in its one article, so
only the words it never holds tell an off-topic question from one it answers."""

from pathlib import Path

from index.loader import load_build
from rag.config import Settings
from rag.embedding.encoder import Encoder
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
