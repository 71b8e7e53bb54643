"""The read stage: the trained reader (``rag.reader``) reads the first passages of an answer,
marks the answer span it finds (offsets into the article, like the passages') and quotes the
sentence that holds it; its margin over "no answer" says whether any read passage answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer import Highlight, Passage
from rag.config import QueryParams
from rag.sentences import sentence_spans

if TYPE_CHECKING:
    from rag.reader import Reader

NO_MARGIN = float("-inf")


@dataclass(frozen=True)
class Window:
    start: int  # offset of the window in the passage's text
    text: str


def context_window(passage: Passage, max_chars: int) -> Window:
    """Whole sentences of ``passage`` around its first quoted sentence, at most ``max_chars``
    (one sentence longer than that is cut)."""
    text = passage.text
    if len(text) <= max_chars:
        return Window(0, text)
    spans = sentence_spans(text) or [(0, len(text))]
    centre = passage.highlights[0].start - passage.start if passage.highlights else 0
    first = last = next((i for i, (s, e) in enumerate(spans) if s <= centre < e), 0)
    # Grow one sentence at a time, after then before, while the window stays within bounds.
    while True:
        grown = False
        if last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= max_chars:
            last += 1
            grown = True
        if first > 0 and spans[last][1] - spans[first - 1][0] <= max_chars:
            first -= 1
            grown = True
        if not grown:
            break
    start, end = spans[first][0], min(spans[last][1], spans[first][0] + max_chars)
    return Window(start, text[start:end])


@dataclass(frozen=True)
class ReadOutcome:
    margin: float  # the best read passage's margin; -inf when nothing could be read
    spans: int  # passages given an answer span
    complete: bool  # every first passage was read (none in another language)


def read_passages(
    reader: Reader, question: str, lang: str, passages: list[Passage], params: QueryParams
) -> ReadOutcome | None:
    """Read the first ``params.reader_passages`` passages in the question's language ``lang``;
    a passage whose margin reaches ``params.reader_min_margin`` gets its span as ``answer`` and
    the sentence holding it as its first quote. None: no such passage to read.

    Only the question's language: the reader was trained on questions and passages of one
    language, and across languages its margin says little. So ``complete`` says whether it
    read all the first passages; only then may its margin say "not found"."""
    first = passages[: params.reader_passages]
    chosen = [p for p in first if p.lang == lang]
    if not chosen:
        return None
    windows = [context_window(p, params.reader_context_chars) for p in chosen]
    readings = reader.read(question, [w.text for w in windows])
    best, marked = NO_MARGIN, 0
    for passage, window, reading in zip(chosen, windows, readings, strict=True):
        if reading.start is None or reading.end is None:
            continue
        best = max(best, reading.margin)
        if reading.margin < params.reader_min_margin:
            continue
        start, end = window.start + reading.start, window.start + reading.end
        passage.answer = Highlight(
            passage.text[start:end], passage.start + start, passage.start + end
        )
        sentence = next(
            ((s, e) for s, e in sentence_spans(passage.text) if s <= start < e), (start, end)
        )
        quote = Highlight(
            passage.text[sentence[0] : sentence[1]],
            passage.start + sentence[0],
            passage.start + sentence[1],
        )
        others = [h for h in passage.highlights if h.start != quote.start]
        passage.highlights = [quote, *others][: max(len(passage.highlights), 1)]
        marked += 1
    return ReadOutcome(best, marked, len(chosen) == len(first))
