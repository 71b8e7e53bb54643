"""The off-domain dev set is well-formed: questions the corpus cannot answer, in two languages."""

import json
from collections import Counter

from eval.datasets import load_eval_set
from rag.language import detect_language
from tests.conftest import ROOT, SEED

OFFDOMAIN_SET = ROOT / "eval" / "sets" / "offdomain-dev"


def test_every_question_is_unanswerable_and_in_the_language_it_says() -> None:
    rows = [json.loads(line) for line in (OFFDOMAIN_SET / "questions.jsonl").open() if line]
    assert len({row["id"] for row in rows}) == len(rows) == 60
    assert Counter(row["lang"] for row in rows) == {"en": 30, "ko": 30}
    loaded = load_eval_set(OFFDOMAIN_SET, [SEED])
    assert loaded.name == "offdomain-dev"
    for row, question in zip(rows, loaded.questions, strict=True):
        assert not question.answerable and not question.gold, row["id"]
        assert question.lang == row["lang"] == detect_language(row["question"]), row["id"]
        assert row["id"].startswith(f"od-{row['lang']}-") and row["kind"] == "off-domain"
