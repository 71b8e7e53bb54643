"""The units a question's words are translated in, besides single words: a Korean compound
noun as the dictionary words that spell it out (환각버섯: 환각, 버섯), and two neighbouring
English words that the dictionary translates together (side effects: 부작용)."""

from __future__ import annotations

import re
from itertools import pairwise

from rag.dictionary import BilingualDictionary
from rag.lexical.analyzer import ENGLISH_STOP_WORDS

MIN_COMPOUND_PART = 2  # syllables of each part a compound noun is split into
_PAIR_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def segment(word: str, dictionary: BilingualDictionary) -> list[str]:
    """``word`` as the fewest headwords of ``dictionary`` that spell it out, each of at least
    ``MIN_COMPOUND_PART`` syllables (a single syllable is too often a word by chance); empty
    when there are none."""
    size = len(word)
    best: list[list[str] | None] = [None] * (size + 1)
    best[0] = []
    for end in range(MIN_COMPOUND_PART, size + 1):
        for start in range(0, end - MIN_COMPOUND_PART + 1):
            before = best[start]
            if before is None or not dictionary.senses(word[start:end]):
                continue
            if best[end] is None or len(before) + 1 < len(best[end] or ()):
                best[end] = [*before, word[start:end]]
    found = best[size]
    return found if found is not None and len(found) > 1 else []


def english_pairs(text: str) -> list[str]:
    """Neighbouring words of ``text`` neither of which is a stop word, lowercased."""
    words = [w.lower() for w in _PAIR_WORD.findall(text)]
    return [
        f"{first} {second}"
        for first, second in pairwise(words)
        if first not in ENGLISH_STOP_WORDS and second not in ENGLISH_STOP_WORDS
    ]
