"""Terms for BM25: Korean content morphemes (kiwipiepy) and stemmed English words.

Korean attaches particles and endings to words (서울대병원은, 선보였다); BM25 on raw words would
miss most matches, so Korean text is split into morphemes and only content morphemes are kept
(nouns, verb and adjective stems, roots, numbers, foreign words). Latin-script words, inside
Korean text or not, are lowercased, stripped of stop words and Snowball-stemmed, so that an
acronym such as NSTRI matches across languages.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from functools import cached_property, lru_cache
from typing import Any, Protocol

from rag.language import HANGUL_RUN, KOREAN, has_hangul

# Kiwi part-of-speech tags of content morphemes (Sejong tag set).
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "VV", "VA", "XR", "SL", "SN", "SH"})
# Korean tags of the words translated across languages: nouns and roots.
WORD_TAGS = frozenset({"NNG", "NNP", "XR"})
# Letters of the shortest Latin-script content word (shorter ones are mostly function words).
MIN_LATIN_WORD = 3
# Latin letters a question needs in one term to have something to search for ("AI" does).
MIN_CONTENT_LETTERS = 2
_WORD = re.compile(rf"[A-Za-z][A-Za-z\-]{{{MIN_LATIN_WORD - 1},}}")
# Latin-script words and numbers, with an English possessive or contraction kept attached.
_LATIN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_LATIN_TOKEN_ANY_CASE = re.compile(_LATIN_TOKEN.pattern, re.IGNORECASE)
_SPACED_WORD = re.compile(r"\S+")
# A name in Latin script: a capitalized word or an acronym (Boston, NSTRI, mRNA-1273).
_LATIN_NAME = re.compile(r"\b[A-Z][A-Za-z0-9\-]+|\b[a-z]+[A-Z][A-Za-z0-9\-]*")

ENGLISH_STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves
    aren couldn didn doesn hadn hasn haven isn mightn mustn needn shan shouldn wasn weren wouldn
    """.split()
)
# A negative contraction (doesn't, won't, can't) is an auxiliary, no term; the words before its
# apostrophe are kept above for text that splits it (don't is also "don", won't "won").
NEGATIVE_CONTRACTION = "n't"
# The typographic apostrophe news text writes (doesn’t), read as the plain one.
_APOSTROPHES = str.maketrans({"\u2019": "'"})

# The word after "how" in "how much", "how many", "how long", "how often", "how far": part of
# the question's wh-phrase, like "how" itself, not of what it asks about (as 얼마나 and 몇 are
# no content morphemes of a Korean question). Kept, it matched passages for a word of no
# meaning and was translated into Korean content words ("much": 최대, "long": 동안).
_QUESTION_QUANTIFIER = re.compile(r"\b(how\s+)(much|many|long|often|far)\b", re.IGNORECASE)


def without_question_quantifiers(question: str) -> str:
    """``question`` with the quantifier of its "how much"-type phrases blanked out (spaces:
    offsets into the question stay where they were). For questions only: passages are
    indexed as written."""
    return _QUESTION_QUANTIFIER.sub(
        lambda found: found.group(1) + " " * len(found.group(2)), question
    )


_KIWIS: dict[int, Any] = {}
_KIWIS_LOCK = threading.Lock()
# Words and dictionary senses whose terms an analyzer remembers: a question's translations
# come from a bounded vocabulary (the lexicons, the dictionary), each a kiwipiepy call else.
WORD_TERMS_CACHE = 20_000
TEXTS_CACHE = 256  # texts analysed alone whose morphemes an analyzer remembers


def shared_kiwi(workers: int) -> Any:
    """One kiwipiepy model per thread count in a process, shared by every analyzer: loading
    one takes seconds (and its first analyses seconds more) and ~100 MB, and one model
    already serves a server's request threads at once. An analyzer without threads (0)
    analyses one text at a time in the calling thread, which any loaded model does with the
    same result, so it takes one already loaded rather than load another; -1 (all cores)
    counts the cores, so that it shares the model of that count."""
    threads = (os.cpu_count() or 1) if workers < 0 else workers
    with _KIWIS_LOCK:
        if threads not in _KIWIS and not (threads == 0 and _KIWIS):
            from kiwipiepy import Kiwi

            with warnings.catch_warnings():
                # kiwipiepy warns that 0 changed meaning in 0.21: it now means "no threads".
                warnings.simplefilter("ignore", DeprecationWarning)
                _KIWIS[threads] = Kiwi(num_workers=threads)
        if threads in _KIWIS:
            return _KIWIS[threads]
        return next(iter(_KIWIS.values()))


class TermAnalyzer(Protocol):
    """What gives the BM25 terms and content words of many texts: an analyzer, or a build's
    store of what it analysed before (``index.term_cache``)."""

    def terms_batch(self, texts: Sequence[str]) -> list[list[str]]: ...

    def content_words_batch(self, texts: Sequence[str], lang: str) -> list[list[str]]: ...


class LexicalAnalyzer:
    """Turns text into BM25 terms; the same analyzer must index passages and questions."""

    def __init__(self, workers: int = 0) -> None:
        # kiwipiepy's worker threads speed up batches (index builds, the sentences of cited
        # passages); 0 analyses in the calling thread. A single text is always analysed in
        # the calling thread, where a thread pool only adds a hand-off.
        self._workers = workers
        self._remember()

    def _remember(self) -> None:
        self._word_terms = lru_cache(maxsize=WORD_TERMS_CACHE)(self._terms_tuple)
        # A question is analysed for its terms, then for the words to translate (and the
        # sentences quoted from passages one by one): one kiwipiepy call for all of them.
        self._morphemes = lru_cache(maxsize=TEXTS_CACHE)(self._analyse_one)

    def __getstate__(self) -> dict[str, Any]:
        # What is remembered stays behind (a cache of a bound method does not pickle).
        return {"workers": self._workers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._workers = state["workers"]
        self._remember()

    def _analyse_one(self, text: str) -> tuple[Any, ...]:
        return tuple(self._kiwi.tokenize(text))

    def unknown_korean_nouns(self, text: str) -> list[str]:
        """The nouns of ``text`` that kiwipiepy's dictionary lacks (it read them as nouns in
        context by its model alone: 흡엽로봇, and names it does not hold), in text order."""
        return [
            token.form
            for token in self._morphemes(text)
            if token.oov and token.tag in WORD_TAGS and has_hangul(token.form)
        ]

    def in_korean_dictionary(self, word: str) -> bool:
        """Whether kiwipiepy's dictionary holds ``word`` as one morpheme (건선, 데이비스), not
        as a form its model guessed for a word it does not know (흡엽로봇)."""
        tokens = self._morphemes(word)
        return len(tokens) == 1 and tokens[0].form == word and not tokens[0].oov

    @property
    def _kiwi(self) -> Any:
        return shared_kiwi(self._workers)

    @cached_property
    def _stemmer(self) -> Any:
        return english_stemmer()

    def _latin_stems(self, words: Sequence[str]) -> list[tuple[int, str]]:
        """Stems of lowercased Latin-script words, possessives cut and stop words left out,
        with the index of the word each came from."""
        kept = [
            (i, w.split("'")[0])
            for i, w in enumerate(words)
            if not w.endswith(NEGATIVE_CONTRACTION)
        ]
        kept = [(i, w) for i, w in kept if w not in ENGLISH_STOP_WORDS]
        stems = self._stemmer.stemWords([w for _, w in kept])
        return [(i, stem) for (i, _), stem in zip(kept, stems, strict=True)]

    def _latin_terms(self, text: str) -> list[str]:
        words = _LATIN_TOKEN.findall(text.lower().translate(_APOSTROPHES))
        return [stem for _, stem in self._latin_stems(words)]

    def _korean_terms(self, morphemes: Iterable[Any], text: str) -> list[str]:
        """Content morphemes and Latin-script terms in the order the text has them (phrase
        terms pair neighbours)."""
        placed = [
            (t.start, t.form)
            for t in morphemes
            if t.tag in CONTENT_TAGS and t.tag not in ("SL", "SN")
        ]
        # Latin letters and digits are read off the text itself, as in English text: kiwi
        # splits PCA3 into PCA + 3, an English passage keeps pca3. Hangul is blanked out
        # character for character, so that offsets stay those of the text.
        latin = HANGUL_RUN.sub(lambda run: " " * len(run.group()), text).translate(_APOSTROPHES)
        found = list(_LATIN_TOKEN_ANY_CASE.finditer(latin))
        stems = self._latin_stems([m.group().lower() for m in found])
        placed.extend((found[i].start(), stem) for i, stem in stems)
        placed.sort(key=lambda item: item[0])  # stable: a position's morphemes keep their order
        return [term for _, term in placed]

    def _tokenize(self, texts: list[str]) -> Iterable[Any]:
        if len(texts) == 1:
            return [self._morphemes(texts[0])]
        if self._workers == 0:  # kiwipiepy batches only with threads
            return (self._kiwi.tokenize(text) for text in texts)
        return self._kiwi.tokenize(texts)  # type: ignore[no-any-return]

    def terms(self, text: str) -> list[str]:
        if not has_hangul(text):
            return self._latin_terms(text)
        return self._korean_terms(self._morphemes(text), text)

    def terms_batch(self, texts: Sequence[str]) -> list[list[str]]:
        """Terms of many texts; Korean ones go through kiwi in one multi-threaded batch."""
        return [terms for terms, _ in self._analyse_batch(texts, with_words=False)]

    def query_terms_batch(self, texts: Sequence[str]) -> list[tuple[list[str], list[str]]]:
        """For each question: its terms and, if it is Korean, its words that hold a content
        morpheme (what the syllable-bigram BM25 matches), both from one analysis."""
        return self._analyse_batch(texts, with_words=True)

    def _analyse_batch(
        self, texts: Sequence[str], *, with_words: bool
    ) -> list[tuple[list[str], list[str]]]:
        out: list[tuple[list[str], list[str]]] = [([], []) for _ in texts]
        korean = [i for i, text in enumerate(texts) if has_hangul(text)]
        for i, text in enumerate(texts):
            if not has_hangul(text):
                out[i] = (self._latin_terms(text), [])
        if korean:
            analysed = self._tokenize([texts[i] for i in korean])
            for i, morphemes in zip(korean, analysed, strict=True):
                tokens = list(morphemes)
                words = _words_with_content(tokens, texts[i]) if with_words else []
                out[i] = (self._korean_terms(tokens, texts[i]), words)
        return out

    def content_words(self, text: str, lang: str) -> list[str]:
        """Surface forms of the content words of ``text``, in order, for word translation.

        Korean: nouns and roots of two syllables or more (one-syllable nouns such as 암 or 약
        are too ambiguous out of context); other text: Latin-script words of three letters or
        more that are not stop words.
        """
        return self.content_words_batch([text], lang)[0]

    def content_words_batch(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        if lang == KOREAN:
            return [
                [t.form for t in morphemes if t.tag in WORD_TAGS and len(t.form) >= 2]
                for morphemes in self._tokenize(list(texts))
            ]
        return [
            [w for w in _WORD.findall(text) if w.lower() not in ENGLISH_STOP_WORDS]
            for text in texts
        ]

    def names(self, text: str, lang: str) -> list[str]:
        """The names a question mentions (a place, a person, an organisation, a product), in
        order: Korean proper nouns of two syllables or more, and Latin-script words written
        capitalized, not counting a capital that only starts a sentence."""
        found: list[str] = []
        if lang == KOREAN:
            morphemes = self._morphemes(text)
            found = [t.form for t in morphemes if t.tag == "NNP" and len(t.form) >= 2]
        for match in _LATIN_NAME.finditer(text):
            before = text[: match.start()].rstrip()
            starts_sentence = not before or before[-1] in ".?!:\"'(\n"
            word = match.group()
            if starts_sentence and not word[1:].isupper() and lang != KOREAN:
                continue  # "What", "Which": a capital that only starts the sentence
            if word.lower() not in ENGLISH_STOP_WORDS:
                found.append(word)
        return list(dict.fromkeys(found))

    def word_terms(self, word: str) -> list[str]:
        """BM25 terms of one word or short phrase, as the index holds them (remembered)."""
        return list(self._word_terms(word))

    def _terms_tuple(self, text: str) -> tuple[str, ...]:
        return tuple(self.terms(text))


def english_stemmer() -> Any:
    """The Snowball English stemmer the index's terms are made with (``stemWords``); one per
    user, since one is not safe to share between threads."""
    import Stemmer

    return Stemmer.Stemmer("english")


def has_content(terms: Iterable[str]) -> bool:
    """Whether a question's terms hold a word to search for: Hangul, or two Latin letters
    or more (``?!.,;``, ``{{7*7}}`` or ``%s%n`` hold none)."""
    return any(
        has_hangul(term) or sum(ch.isalpha() for ch in term) >= MIN_CONTENT_LETTERS
        for term in terms
    )


def _words_with_content(morphemes: Iterable[Any], text: str) -> list[str]:
    words = [(m.start(), m.end()) for m in _SPACED_WORD.finditer(text)]
    starts = [start for start, _ in words]
    keep = [False] * len(words)
    for token in morphemes:
        if token.tag in CONTENT_TAGS:  # a name may span several words (테드 번디)
            first = bisect.bisect_right(starts, token.start) - 1
            last = bisect.bisect_right(starts, token.start + token.len - 1) - 1
            for index in range(max(first, 0), last + 1):
                keep[index] = True
    return [text[a:b] for (a, b), kept in zip(words, keep, strict=True) if kept]
