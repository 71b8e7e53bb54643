"""Questions with a typing slip each (eval/slips.py)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from eval.datasets import load_eval_set
from eval.slips import MIN_SLIP_LETTERS, MIN_SLIP_SYLLABLES, korean_slip, slip
from rag.errors import InputError
from rag.korean_spelling import jamo
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


def test_a_korean_slip_is_one_wrong_key_in_a_syllable_but_the_last() -> None:
    rng = random.Random(0)
    for _ in range(200):
        slipped = korean_slip("주삿바늘은", rng)
        assert len(slipped) == 5 and slipped[-1] == "은"
        assert _differences(slipped, "주삿바늘은") == 1
        assert _differences(jamo(slipped), jamo("주삿바늘은")) == 1


def test_a_set_with_slips_slips_one_long_word_of_each_question_it_can() -> None:
    whole = load_eval_set(CROSSLINGUAL_DEV, CORPUS)
    slipped = load_eval_set(Path(f"{CROSSLINGUAL_DEV}~slips"), CORPUS)
    assert slipped.name == "crosslingual-dev~slips"
    again = load_eval_set(Path(f"{CROSSLINGUAL_DEV}~slips"), CORPUS)
    assert [q.text for q in again.questions] == [q.text for q in slipped.questions]
    originals = {q.id: q for q in whole.questions}
    assert [q.id for q in slipped.questions] == [q.id for q in whole.questions]
    changed = [q for q in slipped.questions if q.text != originals[q.id].text]
    assert 0 < len(changed) <= len(whole.questions)
    korean = 0
    for question in changed:
        original = originals[question.id]
        assert question.gold == original.gold and question.answers == original.answers
        assert _differences(question.text, original.text) == 1
        runs = [r for r in re.findall(r"[가-힣]+", original.text) if len(r) >= MIN_SLIP_SYLLABLES]
        if runs:  # a Korean question: its longest Hangul run, one jamo off
            korean += 1
            slipped_runs = re.findall(r"[가-힣]+", question.text)
            assert max(runs, key=len) not in slipped_runs
            assert _differences(jamo(question.text), jamo(original.text)) == 1
            continue
        words = re.findall(r"[A-Za-z]+", original.text)
        slipped_words = re.findall(r"[A-Za-z]+", question.text)
        differing = [a for a, b in zip(words, slipped_words, strict=True) if a != b]
        assert len(differing) == 1
        assert len(differing[0]) >= MIN_SLIP_LETTERS and differing[0].islower()
    assert 0 < korean < len(changed)  # Korean and English questions alike


def test_a_missing_set_with_slips_is_still_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"no such question set: no-such-set$"):
        load_eval_set(Path("no-such-set~slips"))
