"""The paraphrase rule and the paraphrase dev set that it checks."""

from collections import Counter
from pathlib import Path

import pytest

from eval.datasets import load_eval_set
from eval.paraphrase import answer_sentences, check_rows, read_rows, shared_terms
from rag.errors import InputError
from rag.ingest import read_articles
from tests.conftest import ENGLISH_NEWS, KOREAN_NEWS, ROOT, SEED, shared_analyzer

PARAPHRASE_SET = ROOT / "eval" / "sets" / "paraphrase-dev"
NEWS = [SEED.parent, Path(KOREAN_NEWS), Path(ENGLISH_NEWS)]
analyzer = shared_analyzer()


def test_the_answer_sentence_is_every_sentence_the_span_overlaps() -> None:
    text = "First one here.  The drug cut   deaths by half. Last one."
    assert answer_sentences(text, "cut deaths") == "The drug cut deaths by half."
    assert (
        answer_sentences(text, "here. The drug") == "First one here. The drug cut deaths by half."
    )
    assert answer_sentences(text, "not there") is None


def test_names_and_numbers_may_be_shared_other_words_may_not() -> None:
    sentence = "Pfizer said the vaccine cut infections by 95 percent in Brazil."
    assert (
        shared_terms(analyzer, "How well did Pfizer's shot work in Brazil?", "en", sentence) == []
    )
    assert shared_terms(analyzer, "By how much did the vaccine cut cases?", "en", sentence) == [
        "vaccin",
        "cut",
    ]
    korean = "서울대병원은 보스턴에서 글로벌 데이터 플랫폼을 선보였다."
    assert shared_terms(analyzer, "서울대병원이 미국에서 공개한 서비스는?", "ko", korean) == []
    assert shared_terms(analyzer, "서울대병원이 소개한 플랫폼은?", "ko", korean) == ["플랫폼"]


def test_the_rule_reports_a_copied_question_and_a_missing_span() -> None:
    articles = read_articles([SEED.parent]).articles
    rows = [
        {
            "id": "copied",
            "lang": "ko",
            "question": "서울대병원이 선보인 글로벌 데이터 플랫폼은?",
            "article_id": SEED.stem,
            "article_lang": "ko",
            "answer": "NSTRI",
            "split": "tune",
        },
        {
            "id": "absent",
            "lang": "en",
            "question": "What is it?",
            "article_id": SEED.stem,
            "article_lang": "ko",
            "answer": "no such span anywhere",
            "split": "report",
        },
        {"id": "bad", "lang": "en", "question": "Why?", "answer": None, "split": "dev"},
    ]
    problems = {p.question_id: p.problem for p in check_rows(rows, articles, analyzer)}
    assert "글로벌" in problems["copied"] and "데이터" in problems["copied"]
    assert "not in the cleaned article" in problems["absent"]
    assert "split" in problems["bad"]


def test_the_paraphrase_set_follows_the_rule() -> None:
    rows = read_rows(PARAPHRASE_SET / "questions.jsonl")
    answerable = Counter((r["lang"], r["article_lang"]) for r in rows if r["answer"] is not None)
    assert all(
        answerable[pair] >= 30 for pair in [("en", "en"), ("ko", "ko"), ("en", "ko"), ("ko", "en")]
    )
    unanswerable = [r for r in rows if r["answer"] is None]
    assert len(unanswerable) >= 60
    assert {r["split"] for r in rows} == {"tune", "report"}
    assert check_rows(rows, read_articles(NEWS).articles, analyzer) == []


def test_a_part_of_the_set_loads_on_its_own() -> None:
    rows = read_rows(PARAPHRASE_SET / "questions.jsonl")
    report = load_eval_set(Path(f"{PARAPHRASE_SET}#report"), NEWS)
    assert report.name == "paraphrase-dev#report"
    assert len(report.questions) == sum(r["split"] == "report" for r in rows)
    assert all(q.split == "report" for q in report.questions)
    with pytest.raises(InputError, match="its parts: report, tune"):
        load_eval_set(Path(f"{PARAPHRASE_SET}#dev"), NEWS)
