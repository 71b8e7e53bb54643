import json
from pathlib import Path

import pytest

from eval.datasets import load_eval_set
from rag.errors import InputError
from tests.conftest import SEED, SHARED


def test_beir_layout_with_graded_qrels(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        json.dumps({"_id": "d1", "title": "T", "text": "Noonan syndrome facts."})
        + "\n"
        + json.dumps({"_id": "d2", "text": "Other."})
        + "\n"
    )
    (tmp_path / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "What is Noonan syndrome?"})
        + "\n"
        + json.dumps({"_id": "q2", "text": "No judged answer"})
        + "\n"
    )
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\n"
    )
    loaded = load_eval_set(tmp_path)
    assert loaded.kind == "beir" and [a.id for a in loaded.articles] == ["d1", "d2"]
    assert [(q.id, q.gold, q.lang) for q in loaded.questions] == [("q1", {"d1": 2}, "en")]


def test_squad_paragraphs_are_documents_and_answers_are_spans() -> None:
    loaded = load_eval_set(SHARED / "evalsets" / "korquad-v1-dev")
    assert loaded.kind == "squad" and len(loaded.articles) == 964
    assert len(loaded.questions) == 5774
    first = loaded.questions[0]
    gold = next(iter(first.gold))
    text = next(a.text for a in loaded.articles if a.id == gold)
    assert all(answer in text for answer in first.answers) and first.lang == "ko"


def test_answer_span_set_reads_null_answers_as_unanswerable() -> None:
    loaded = load_eval_set(SHARED / "evalsets" / "seed-qa", [SEED.parent])
    assert len(loaded.questions) == 9 and len(loaded.articles) == 1
    unanswerable = [q for q in loaded.questions if not q.answerable]
    assert [q.id for q in unanswerable] == ["s09"]


def test_unknown_layout_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a BEIR folder"):
        load_eval_set(tmp_path)
    with pytest.raises(InputError, match="no such question set"):
        load_eval_set(tmp_path / "missing")
