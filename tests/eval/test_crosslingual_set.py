"""The project's own cross-lingual dev set is well-formed and its spans are in the articles."""

import json
from collections import Counter
from pathlib import Path

from eval.datasets import load_eval_set
from eval.metrics import normalize_span
from rag.cleaning import clean_text
from tests.conftest import ENGLISH_NEWS, KOREAN_NEWS, ROOT, SEED

DEV_SET = ROOT / "eval" / "sets" / "crosslingual-dev"


def test_every_answer_span_is_in_the_cleaned_article() -> None:
    rows = [json.loads(line) for line in (DEV_SET / "questions.jsonl").open() if line.strip()]
    assert len({row["id"] for row in rows}) == len(rows)
    pairs = Counter((row["lang"], row["article_lang"]) for row in rows)
    assert pairs == {("ko", "en"): 30, ("en", "ko"): 30, ("en", "en"): 10, ("ko", "ko"): 10}
    loaded = load_eval_set(DEV_SET, [SEED.parent, Path(KOREAN_NEWS), Path(ENGLISH_NEWS)])
    articles = {a.id: a for a in loaded.articles}
    for row, question in zip(rows, loaded.questions, strict=True):
        article = articles[row["article_id"]]
        assert article.lang == row["article_lang"] or row["article_id"] == SEED.stem
        assert question.lang == row["lang"], row["id"]
        assert normalize_span(row["answer"]) in normalize_span(clean_text(article.text)), row["id"]
        assert row["answer"] not in row["question"]
