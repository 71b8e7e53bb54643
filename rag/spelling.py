"""Spelling: a Latin-script question word that no passage holds and no dictionary knows, read
as the indexed term one or two typing slips away (vacine: vaccine, alzhiemers: alzheimer's).

People type questions fast. A misspelt word matches nothing in BM25, and through translation
its embedding lands on some word of the other language (vacine: 감염, infection), which can
hand the lead to an article on another subject. So, on the lexical side only (the encoder
reads the question as typed), such a word is replaced by the corpus word at the least optimal
string alignment distance (a letter missed, added or changed, or two neighbours swapped), or,
where no corpus word is that near, by the indexed term nearest its stem: one slip for a term
of ``min_chars`` letters, two from ``two_edits_chars``; of equals, the commonest (lowest IDF).
Korean questions: ``rag.korean_spelling``.

What is not a slip is left as it is: a word the index holds; a real word (``Words.real``; for
English, ``EnglishWords``: the encoder's vocabulary and the bilingual dictionary: drone, halal,
words whose articles may be in the other language); a name, that is a word with a capital
anywhere but at the start of the question (Taser, Hanoi, NSTRI, mRNA). The candidates are
searched with rapidfuzz, among the terms of the lengths a slip can reach, only for the words
left.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.crosslingual import Translator
from rag.dictionary import load_dictionary
from rag.errors import MissingDependencyError
from rag.language import ENGLISH, KOREAN

# A Latin-script word of a question, with inner hyphens or apostrophes (the analyzer's own).
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]")
_TERM = re.compile(r"[a-z]+")  # an indexed term a word can be read as: letters only
_START = re.compile(r"\W*")  # what may come before the question's first word


class Words:
    """What a corrector knows of a language's words besides the index's terms."""

    def forms(self, term: str) -> list[str]:
        """The corpus's words that are that one term (none known: the term is written)."""
        return []

    def real(self, word: str) -> bool:
        """Whether ``word`` is a real word of the language, not a slip."""
        return False

    def vocabulary(self) -> Sequence[str]:
        """The corpus's words as written, for slips compared word to word."""
        return ()


@dataclass
class EnglishWords(Words):
    """English words as the service knows them: the index's lexicon (the forms of a term) and,
    for real words, the encoder's vocabulary and the bilingual dictionary."""

    count_tokens: Callable[[str], int]
    translator: Translator | None
    dictionary: bool = True  # whether the settings use the dictionary

    def forms(self, term: str) -> list[str]:
        return [] if self.translator is None else self.translator.words_for_term(term, ENGLISH)

    def vocabulary(self) -> Sequence[str]:
        if self.translator is None or ENGLISH not in self.translator.lexicons:
            return ()
        return self.translator.lexicons[ENGLISH].words

    def real(self, word: str) -> bool:
        """One token of the encoder's vocabulary (250,000 pieces of text in a hundred
        languages: drone, halal), or its singular is (drones), or the bilingual dictionary
        knows it (the translator's, or, for an index of one language, the installed one).
        Not its stem: a stem cut from a slip can be a piece of another language (efect, of
        efectiveness)."""
        forms = (word, word[:-1]) if word.lower().endswith("s") else (word,)
        if any(self.count_tokens(form) == 1 for form in forms):
            return True
        return dictionary_knows(word, ENGLISH, self.translator, self.dictionary)


def dictionary_knows(word: str, lang: str, translator: Translator | None, use: bool) -> bool:
    """Whether the bilingual dictionary knows ``word`` of ``lang``: the translator's, or, for
    an index of one language (no translator), the installed one where the settings ``use``
    it (English words through it reversed)."""
    if translator is not None:
        return translator.knows_word(word, lang)
    if not use:
        return False
    try:
        dictionary = load_dictionary()
    except MissingDependencyError:
        return False
    return bool((dictionary if lang == KOREAN else dictionary.reversed()).senses(word))


def fuzzy_search() -> tuple[Any, Any]:
    """rapidfuzz's ``process`` and its optimal string alignment distance (a dependency of the
    project; a clear word if it is missing)."""
    try:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA
    except ImportError as exc:
        raise MissingDependencyError(
            f"spelling correction needs {exc.name}: pip install rapidfuzz "
            "(or set RAG_QUERY__SPELLING_CORRECTION=false)"
        ) from exc
    return process, OSA


class StringsByLength:
    """Strings grouped by length: a search within ``slips`` edits reads only the groups whose
    length is within ``slips`` of the word's (an edit changes the length by one at most), the
    same matches as a search of them all for a fraction of the work."""

    def __init__(self, strings: Iterable[str]) -> None:
        self._groups: dict[int, list[str]] = {}
        for string in strings:
            self._groups.setdefault(len(string), []).append(string)

    def near(self, word: str, slips: int) -> list[tuple[str, int]]:
        """Each string within ``slips`` edits of ``word`` (itself included), with its distance
        (optimal string alignment)."""
        process, osa = fuzzy_search()
        found: list[tuple[str, int]] = []
        for length in range(len(word) - slips, len(word) + slips + 1):
            group = self._groups.get(length)
            if group:
                matches = process.extract(
                    word, group, scorer=osa.distance, score_cutoff=slips, limit=None
                )
                found.extend((string, int(distance)) for string, distance, _ in matches)
        return found


def _distance(a: str, b: str) -> int:
    _, osa = fuzzy_search()
    return int(osa.distance(a, b))


@dataclass
class SlipCorrector:
    """What a language's corrector holds: the index's terms (``idf``: every indexed term's
    IDF), what it knows of the language's words, and how many slips a word may hold."""

    idf: Mapping[str, float]
    min_chars: int  # letters (jamo in Korean) of the shortest word corrected
    two_edits_chars: int  # and of the shortest that may be two slips away
    words: Words = field(default_factory=Words)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def slips(self, length: int) -> int:
        """Slips a word of ``length`` may hold: none under ``min_chars``, two from
        ``two_edits_chars``, else one."""
        if length < self.min_chars:
            return 0
        return 2 if length >= self.two_edits_chars else 1


@dataclass
class SpellingCorrector(SlipCorrector):
    """Corrections of Latin-script words against the terms of one index."""

    _terms: StringsByLength | None = field(default=None, init=False, repr=False)
    _words: StringsByLength | None = field(default=None, init=False, repr=False)

    def terms(self) -> StringsByLength:
        """The indexed terms a word can be corrected to (made on first use)."""
        with self._lock:
            if self._terms is None:
                self._terms = StringsByLength(
                    t for t in self.idf if len(t) >= self.min_chars - 1 and _TERM.fullmatch(t)
                )
            return self._terms

    def correct_term(self, term: str) -> str | None:
        """The indexed term nearest ``term`` within its allowed slips (None: too short, or
        none is)."""
        edits = self.slips(len(term))
        if not edits:
            return None
        found = self.terms().near(term, edits)
        candidates = [(distance, self.idf[t], t) for t, distance in found if distance > 0]
        return min(candidates)[2] if candidates else None

    def _vocabulary(self) -> StringsByLength:
        """The corpus's lower-case words a slip can be read as (made on first use)."""
        with self._lock:
            if self._words is None:
                self._words = StringsByLength(
                    w
                    for w in self.words.vocabulary()
                    if len(w) >= self.min_chars - 1 and _TERM.fullmatch(w)
                )
            return self._words

    def correct_word(self, word: str, word_terms: Callable[[str], list[str]]) -> str | None:
        """The corpus word nearest ``word`` as typed within its allowed slips, one whose
        single term the index holds (of equals, the one of the commonest term): compared
        word to word, not stem to stem, since a slip can change what the stemmer cuts
        (experoment: expero, one slip from experi and from expert; word to word, one from
        experiment only)."""
        typed = word.lower().split("'")[0]
        edits = self.slips(len(typed))
        if not edits:
            return None
        found = self._vocabulary().near(typed, edits)
        candidates = []
        for written, distance in found:
            terms = word_terms(written)
            if distance > 0 and len(terms) == 1 and terms[0] in self.idf:
                candidates.append((distance, self.idf[terms[0]], written))
        return min(candidates)[2] if candidates else None

    def correct(
        self, text: str, word_terms: Callable[[str], list[str]]
    ) -> tuple[str, dict[str, str]]:
        """``text`` with each slip replaced, and the corrections made (word: the word put in
        its place); a real word (``words.real``) is no slip. The text is analysed and
        translated again, so the word put in is the corpus word of that one term nearest the
        word typed (``words.forms``: exercise for exercis, which itself analyses to exerci;
        vaccine, not vaccinate, for vacine; a word also translates as the corpus writes it),
        else the term if it analyses to itself (vaccin); a term with neither is no
        correction."""
        corrections: dict[str, str] = {}
        first = _START.match(text)
        start = first.end() if first else 0

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            if any(c.isupper() for c in (word if match.start() > start else word[1:])):
                return word  # a name
            terms = word_terms(word)
            if len(terms) != 1 or terms[0] in self.idf:
                return word  # a stop word, a compound of several terms, or known
            if self.words.real(word):
                return word  # asked only now: most words are known
            # A short term is left as typed either way (knapping: knap, not napping).
            written = (
                self.correct_word(word, word_terms) if len(terms[0]) >= self.min_chars else None
            )
            if written is None:
                term = self.correct_term(terms[0])
                if term is None:
                    return word
                spelt = self.words.forms(term)
                lowered = word.lower()
                written = (
                    min(spelt, key=lambda w: (_distance(lowered, w), w))
                    if spelt
                    else (term if word_terms(term) == [term] else None)
                )
            if written is None:
                return word
            corrections[word] = written
            return written

        return _WORD.sub(replace, text), corrections
