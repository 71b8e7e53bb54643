"""Questions with a typing slip each (eval/slips.py)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from eval.datasets import load_eval_set
from eval.slips import MIN_SLIP_LETTERS, slip
from rag.errors import InputError
from tests.conftest import ENGLISH_NEWS, KOREAN_NEWS, ROOT, SEED

CROSSLINGUAL_DEV = ROOT / "eval" / "sets" / "crosslingual-dev"
CORPUS = [SEED.parent, Path(KOREAN_NEWS), Path(ENGLISH_NEWS)]


def _differences(a: str, b: str) -> int:
    """Edits between two strings (Levenshtein with adjacent swaps)."""
    from rapidfuzz.distance import OSA

    return int(OSA.distance(a, b))


def test_a_slip_is_one_edit_inside_the_word() -> None:
    rng = random.Random(0)
    for _ in range(200):
        slipped = slip("effectiveness", rng)
        assert slipped != "effectiveness"
        assert _differences(slipped, "effectiveness") == 1
        assert slipped[0] == "e" and slipped[-1] == "s"


def test_a_set_with_slips_slips_one_long_lower_case_word_of_each_question_it_can() -> None:
    whole = load_eval_set(CROSSLINGUAL_DEV, CORPUS)
    slipped = load_eval_set(Path(f"{CROSSLINGUAL_DEV}~slips"), CORPUS)
    assert slipped.name == "crosslingual-dev~slips"
    again = load_eval_set(Path(f"{CROSSLINGUAL_DEV}~slips"), CORPUS)
    assert [q.text for q in again.questions] == [q.text for q in slipped.questions]
    originals = {q.id: q for q in whole.questions}
    assert [q.id for q in slipped.questions] == [q.id for q in whole.questions]
    changed = [q for q in slipped.questions if q.text != originals[q.id].text]
    assert 0 < len(changed) < len(whole.questions)  # Korean questions stay as written
    for question in changed:
        original = originals[question.id]
        assert question.gold == original.gold and question.answers == original.answers
        assert _differences(question.text, original.text) == 1
        words = re.findall(r"[A-Za-z]+", original.text)
        slipped_words = re.findall(r"[A-Za-z]+", question.text)
        changed = [a for a, b in zip(words, slipped_words, strict=True) if a != b]
        assert len(changed) == 1
        assert len(changed[0]) >= MIN_SLIP_LETTERS and changed[0].islower()


def test_a_missing_set_with_slips_is_still_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"no such question set: no-such-set$"):
        load_eval_set(Path("no-such-set~slips"))
