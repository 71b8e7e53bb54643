"""Sentence boundaries for Korean and English text, as character spans.

Korean sentences end in a verb ending followed by a period (``다.``, ``요.``) and scraped
Korean text often has no space after it (``밝혔다.이번``); English sentences end in ``.!?``
followed by a space. Abbreviations such as ``Dr.`` or ``U.S.`` do not end a sentence.
"""

from __future__ import annotations

import re

# A Korean declarative/polite ending + period ends a sentence even with no space after it.
_KOREAN_END = r"(?<=[다요죠까음함됨])[.?!]+[”\"’')\]]*"
# Elsewhere, terminal punctuation (optionally closed by quotes/brackets) before whitespace.
_GENERIC_END = r"[.!?…。]+[”\"’')\]]*(?=\s|$)"
_BOUNDARY = re.compile(f"{_KOREAN_END}|{_GENERIC_END}|\\n+")

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st vs etc e.g i.e fig no vol inc ltd co corp dept gov univ jan
    feb mar apr jun jul aug sep sept oct nov dec approx
    """.split()
)
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.+$")


def _is_abbreviation(text: str, end: int) -> bool:
    match = _LAST_WORD.search(text, max(0, end - 12), end)
    if not match:
        return False
    word = match.group(1).lower()
    # Single capitals (initials, "U.S.") and listed abbreviations are not sentence ends.
    return len(word.replace(".", "")) == 1 or word in _ABBREVIATIONS or "." in word


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text``, leading/trailing whitespace excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group().strip() and match.group()[0] == "." and _is_abbreviation(text, end):
            continue
        _append_trimmed(text, start, end, spans)
        start = end
    _append_trimmed(text, start, len(text), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]
