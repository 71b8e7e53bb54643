"""The reader's training data: KorQuAD split by article, negatives that lack the answer, and
English cloze questions whose answer is where they say, never from a question set's article."""

from __future__ import annotations

import json
import random
from pathlib import Path

from eval.datasets import load_eval_set
from eval.reader_data import cloze_examples, korquad_examples, referenced_articles
from rag.lexical.analyzer import LexicalAnalyzer
from tests.conftest import ENGLISH_NEWS, SHARED

KORQUAD = SHARED / "evalsets" / "korquad-v1-dev" / "KorQuAD_v1.0_dev.json"


def test_korquad_parts_split_articles_and_the_held_out_part_loads_as_a_set(
    analyzer: LexicalAnalyzer,
) -> None:
    heldout = load_eval_set(Path(f"{KORQUAD.parent}#heldout"))
    train = load_eval_set(Path(f"{KORQUAD.parent}#train"))
    assert heldout.name == "korquad-v1-dev#heldout"
    assert len(heldout.questions) + len(train.questions) == 5774
    assert 0.3 < len(heldout.questions) / 5774 < 0.7
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]
    contexts_by_part: dict[str, set[str]] = {"train": set(), "heldout": set()}
    questions = {q.id: q.split for q in [*heldout.questions, *train.questions]}
    for article in data:
        parts = {questions[qa["id"]] for p in article["paragraphs"] for qa in p["qas"]}
        assert len(parts) == 1  # an article lies in one part
        contexts_by_part[parts.pop() or ""].update(p["context"] for p in article["paragraphs"])
    examples = korquad_examples(KORQUAD, "train", analyzer, random.Random(1), articles=6)
    assert {e.context for e in examples} <= contexts_by_part["train"]
    for example in examples:
        if example.answerable:
            start = example.answer_start
            assert example.context[start : start + len(example.answer)] == example.answer
        elif example.kind == "near-paragraph":
            original = next(
                e for e in examples if e.kind == "korquad" and e.question == example.question
            )
            assert original.answer not in example.context
    assert {e.kind for e in examples} == {"korquad", "near-paragraph", "altered"}


def test_cloze_questions_hold_their_answer_and_leave_question_set_articles_out() -> None:
    held = referenced_articles(Path("eval/sets").glob("*/questions.jsonl"))
    assert held  # crosslingual-dev and paraphrase-dev point at English articles
    examples = cloze_examples(ENGLISH_NEWS, held, 40, random.Random(3))
    answerable = [e for e in examples if e.answerable]
    assert len(answerable) >= 20
    for example in answerable:
        start = example.answer_start
        assert example.context[start : start + len(example.answer)] == example.answer
        assert "what" in example.question and example.question.endswith("?")
    for example in examples:
        if not example.answerable:
            assert example.kind == "cloze-far"
    by_id = {}
    for line in ENGLISH_NEWS.open(encoding="utf-8"):
        record = json.loads(line)
        by_id[record["id"]] = record.get("text") or ""
    held_texts = [by_id[a] for a in held if by_id.get(a)]
    assert held_texts
    assert not any(e.context in text for e in examples for text in held_texts)
