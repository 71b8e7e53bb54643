"""The shipped reader, on the real model: the span it reads, its margin, and the read stage
of the answer path (offsets into the article, the quote that holds the span, "not found")."""

from __future__ import annotations

import json

import pytest

from rag.config import Settings
from rag.engine import SearchEngine
from rag.reader import Reader
from rag.reader.model import ADAPTER_FILE, CONFIG_FILE
from rag.stages import Trace, answer_query, prepare
from tests.conftest import SEED

QUESTION = "서울대병원이 보스턴에서 소개한 플랫폼은?"
ADAPTER_LIMIT_BYTES = 5_000_000  # "a few MB at most"


@pytest.fixture(scope="module")
def reader(engine: SearchEngine) -> Reader:
    return engine.reader()  # loaded once for the module's tests, the read stage's too


def test_the_shipped_adapter_is_small_and_records_how_it_was_trained(settings: Settings) -> None:
    folder = settings.encoder.reader_adapter
    assert (folder / ADAPTER_FILE).stat().st_size < ADAPTER_LIMIT_BYTES
    record = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))["record"]
    assert record["command"].startswith("python -m eval.train_reader")
    assert record["seed"] and record["data"]["korquad"] > 0 and record["data"]["cloze"] > 0
    assert record["heldout"]["set"] == "korquad-v1-dev#heldout"


def test_it_reads_the_answer_span_and_is_surer_of_the_passage_that_holds_it(
    reader: Reader,
) -> None:
    article = SEED.read_text(encoding="utf-8")
    at = article.index("NSTRI")
    answering = article[max(0, at - 300) : at + 300]
    unrelated = (
        "시의회는 화요일 중앙로 버스전용차로를 연장하고 겨울이 오기 전에 학교 앞 횡단보도를 "
        "다시 칠하기로 의결했다."
    )
    holds, lacks = reader.read(
        "서울대병원이 이번 행사에서 소개한 우수 특허 기술은 몇 건인가?", [answering, unrelated]
    )
    assert holds.has_span and "8건" in answering[holds.start : holds.end]
    assert holds.margin > 0 > lacks.margin
    assert reader.read("anything", []) == []


def test_the_read_stage_marks_the_span_in_the_article_and_quotes_its_sentence(
    engine: SearchEngine,
) -> None:
    # The first passage is the seed article's, in the question's language.
    params = engine.params.but(reader=True, reader_min_margin=-1000.0, reader_passages=1)
    trace = Trace()
    answered = answer_query(engine, prepare(engine, QUESTION), 3, trace=trace, params=params)
    assert [r.stage for r in trace.stages][-1] == "read"
    assert answered.read is not None and answered.read.spans == 1 and answered.read.complete
    first = answered.passages[0]
    assert first.answer is not None and first.lang == "ko"
    article = engine.corpus.articles[first.article_id].text
    assert article[first.answer.start : first.answer.end] == first.answer.text
    quote = first.highlights[0]
    assert quote.start <= first.answer.start and first.answer.end <= quote.end
    # A gate no margin reaches: "not found", the passages kept.
    gated = answer_query(
        engine, prepare(engine, QUESTION), 3, params=params.but(reader_min_margin=1000.0)
    )
    assert not gated.answer.found and gated.answer.passages


def test_the_reader_says_nothing_about_passages_in_another_language(
    engine: SearchEngine,
) -> None:
    params = engine.params.but(reader=True, reader_min_margin=1000.0, reader_passages=3)
    question = "Which platform did Seoul National University Hospital present in Boston?"
    answered = answer_query(engine, prepare(engine, question), 3, params=params)
    languages = [p.lang for p in answered.passages]
    assert languages[0] == "ko" and "en" in languages  # the seed leads, English news follows
    assert answered.read is not None and not answered.read.complete
    assert all(p.answer is None for p in answered.passages if p.lang != "en")
    # Not every first passage was read, so the judge alone decides.
    assert answered.answer.found == (answered.decision is not None and answered.decision.found)
