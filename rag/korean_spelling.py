"""Spelling of Korean questions: a noun that no passage holds and no dictionary knows, read as
the indexed noun one or two typing slips away (흡엽로봇: 흡연로봇, 주삿바룰: 주삿바늘).

On a Korean keyboard a slip is one wrong key, and each key is a jamo: a consonant or a vowel
of a syllable. So Korean words are compared jamo by jamo (Unicode's canonical decomposition
of each syllable), by the same optimal string alignment distance as English letters, with the
same lengths (``spelling_min_chars`` jamo for one slip, ``spelling_two_edits_chars`` for two).

A misspelt compound is often one noun to the analyzer (흡엽로봇), whose corpus spelling the
analyzer cuts in two (흡연 + 로봇): the index holds neither the compound nor the slip. So a
compound is also read as indexed nouns of two syllables or more, one of them read as the
indexed noun a slip away (흡엽로봇: 흡연, 로봇; 꾹가안전시스템: 국가, 안전, 시스템). (A slip
can also make the analyzer cut a word into real syllables, 감엽된: 감, 엽; those are left as
they are.)

What is not a slip is left as it is: a noun the index holds; a real word the corpus does not
use (``KoreanWords``: one kiwipiepy's dictionary holds, names and loanwords among them, a
compound of such words, or one the bilingual dictionary knows); one of a single syllable; and
anything with other characters than Hangul syllables. Of candidates at the least distance the
commonest (lowest IDF) wins, as for English (``rag.spelling``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from rag.crosslingual import Translator
from rag.language import KOREAN
from rag.spelling import SlipCorrector, StringsByLength, Words, dictionary_knows

_HANGUL_TERM = re.compile(r"[가-힣]{2,}")  # indexed nouns a word can be read as
MIN_PART_SYLLABLES = 2  # each part of a compound read as two nouns


def jamo(text: str) -> str:
    """Hangul syllables as their jamo (initial, vowel, final): what a keyboard types."""
    return unicodedata.normalize("NFD", text)


@dataclass
class KoreanWords(Words):
    """Korean words as the service knows them: a real word is one the analyzer's dictionary
    holds (``known``: kiwipiepy's, words and names: 건선, 미시간대), or a compound of such
    words of two syllables or more (재난안전: 재난, 안전), or one the bilingual dictionary
    knows (the translator's, or, for an index of one language, the installed one)."""

    known: Callable[[str], bool]
    translator: Translator | None
    dictionary: bool = True  # whether the settings use the dictionary

    def real(self, word: str) -> bool:
        return self._compound(word) or dictionary_knows(
            word, KOREAN, self.translator, self.dictionary
        )

    def _compound(self, word: str) -> bool:
        """``word`` is known, or known words of two syllables or more."""
        if self.known(word):
            return True
        return any(
            self.known(word[:cut]) and self._compound(word[cut:])
            for cut in range(MIN_PART_SYLLABLES, len(word) - MIN_PART_SYLLABLES + 1)
        )


@dataclass
class KoreanSpellingCorrector(SlipCorrector):
    """Corrections of Korean nouns against the Korean terms of one index (its lengths count
    jamo)."""

    _terms: dict[str, str] | None = field(default=None, init=False, repr=False)
    _jamo: StringsByLength | None = field(default=None, init=False, repr=False)

    def _candidates(self) -> tuple[dict[str, str], StringsByLength]:
        """The indexed Hangul nouns of two syllables or more by their jamo, and those jamo
        (made once)."""
        with self._lock:
            if self._terms is None or self._jamo is None:
                self._terms = {jamo(t): t for t in self.idf if _HANGUL_TERM.fullmatch(t)}
                self._jamo = StringsByLength(self._terms)
            return self._terms, self._jamo

    def nearest(self, word: str) -> tuple[int, str] | None:
        """The indexed noun within ``word``'s allowed slips, with its distance in jamo (None:
        too short, or none is)."""
        typed = jamo(word)
        edits = self.slips(len(typed))
        if not edits:
            return None
        terms, spelt = self._candidates()
        found = spelt.near(typed, edits)
        candidates = [(d, self.idf[terms[j]], terms[j]) for j, d in found if d > 0]
        if not candidates:
            return None
        distance, _, term = min(candidates)
        return distance, term

    def correct_term(self, term: str) -> str | None:
        """What ``term`` reads as: the nearest indexed noun, or a compound of indexed nouns and
        one a slip away from another (``_segmented``), whichever takes fewer slips (None: no
        slip, or none found). A real word at either end of ``term``, or among a compound's
        pieces, is never the part changed (다이세이건설 is not 다이세이전설)."""
        if not _HANGUL_TERM.fullmatch(term) or term in self.idf or self.words.real(term):
            return None
        cuts = range(MIN_PART_SYLLABLES, len(term) - MIN_PART_SYLLABLES + 1)
        heads = [term[:cut] for cut in cuts if self.words.real(term[:cut])]
        tails = [term[cut:] for cut in cuts if self.words.real(term[cut:])]
        found: list[tuple[int, str]] = []
        whole = self.nearest(term)
        if (
            whole is not None
            and all(whole[1].startswith(h) for h in heads)
            and all(whole[1].endswith(t) for t in tails)
        ):
            found.append(whole)
        compound = self._segmented(term)
        if compound is not None:
            found.append(compound)
        return min(found, key=lambda f: f[0])[1] if found else None

    def _segmented(self, term: str) -> tuple[int, str] | None:
        """``term`` read as two or more nouns of two syllables or more, each indexed but one,
        which is no real word and is read as the indexed noun within its slips (꾹가안전시스템:
        국가, 안전, 시스템): the reading of fewest slips, with their count."""
        near: dict[str, tuple[int, str] | None] = {}

        @cache
        def read(start: int, fixed: bool) -> tuple[int, str] | None:
            if start == len(term):
                return (0, "") if fixed else None
            best: tuple[int, str] | None = None
            # The first piece stops short of the end: the whole word is ``nearest``'s.
            last = len(term) - MIN_PART_SYLLABLES if start == 0 else len(term)
            for end in range(start + MIN_PART_SYLLABLES, last + 1):
                piece = term[start:end]
                readings = [(0, piece, fixed)] if piece in self.idf else []
                if not fixed and not self.words.real(piece):
                    if piece not in near:
                        near[piece] = self.nearest(piece)
                    if (found := near[piece]) is not None:
                        readings.append((found[0], found[1], True))
                for slips, written, used in readings:
                    rest = read(end, used)
                    if rest is not None and (best is None or slips + rest[0] < best[0]):
                        best = (slips + rest[0], written + rest[1])
            return best

        return read(0, False)

    def correct(
        self, text: str, unknown_nouns: Callable[[str], list[str]]
    ) -> tuple[str, dict[str, str]]:
        """``text`` with each misspelt noun replaced where it is written, and the corrections
        made (noun as typed: noun put in its place). ``unknown_nouns``: the text's nouns that
        the analyzer's dictionary lacks, read in context (alone, a verb form can pass for an
        unknown noun: 생길 for 생기다)."""
        corrections: dict[str, str] = {}
        for noun in dict.fromkeys(unknown_nouns(text)):
            if noun in text and (fixed := self.correct_term(noun)) is not None:
                corrections[noun] = fixed
        for noun, fixed in corrections.items():
            text = text.replace(noun, fixed)
        return text, corrections
