"""The read stage's window: whole sentences around the quoted one, within the budget."""

from __future__ import annotations

from rag.answer import Highlight, Passage
from rag.reading import context_window


def _passage(text: str, quoted: str | None, start: int = 100) -> Passage:
    highlights = []
    if quoted is not None:
        at = text.index(quoted)
        highlights = [Highlight(quoted, start + at, start + at + len(quoted))]
    return Passage(
        1, "a", "a#0", "t", None, None, None, "en", start, start + len(text), text, 1.0, highlights
    )


SENTENCES = [f"Sentence number {i} says something about topic {i}." for i in range(20)]
TEXT = " ".join(SENTENCES)


def test_a_short_passage_is_read_whole() -> None:
    window = context_window(_passage(TEXT, SENTENCES[3]), len(TEXT) + 10)
    assert (window.start, window.text) == (0, TEXT)


def test_a_long_passage_is_read_around_its_quoted_sentence_in_whole_sentences() -> None:
    budget = 200
    window = context_window(_passage(TEXT, SENTENCES[12]), budget)
    assert SENTENCES[12] in window.text
    assert len(window.text) <= budget
    assert TEXT[window.start : window.start + len(window.text)] == window.text
    assert window.text.startswith("Sentence") and window.text.endswith(".")
    # Grown on both sides of the quoted sentence.
    assert SENTENCES[11] in window.text and SENTENCES[13] in window.text


def test_without_a_quote_the_window_starts_the_passage_and_a_long_sentence_is_cut() -> None:
    window = context_window(_passage(TEXT, None), 120)
    assert window.start == 0 and SENTENCES[0] in window.text
    long_sentence = "word " * 100
    cut = context_window(_passage(long_sentence.strip() + ".", None), 50)
    assert len(cut.text) == 50
