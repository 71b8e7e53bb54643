"""Cross-lingual retrieval helpers: language-mean centering and word translation by embedding.

Two effects keep a Korean question from English evidence (and the reverse) with a multilingual
encoder and BM25:
- the encoder's vectors carry a language component, so a Korean question sits nearer to any
  Korean passage than to the English one that answers it. Subtracting part of each language's
  mean vector from passages and questions (``center``) removes much of that component.
- BM25 cannot match across scripts. Each corpus language gets a lexicon of its own words with
  their embeddings (the word alone, with the query prompt); a question's content words are
  embedded the same way and each is replaced by its nearest lexicon word in the other
  languages when the two are close enough (``Translator``). Names and loanwords
  (자프겐 → zafgen, 보스턴 → boston) and common terms (환자 → patient) translate well; a Korean
  word that the bilingual dictionary knows (``rag.dictionary``) is translated by its senses
  instead, since alone the encoder places much common vocabulary (난소, ovary) near names.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import islice
from typing import Any

import faiss
import numpy as np

from rag.dictionary import SENSE_WORD, BilingualDictionary
from rag.language import ENGLISH, KOREAN
from rag.lexical.analyzer import (
    ENGLISH_STOP_WORDS,
    MIN_LATIN_WORD,
    LexicalAnalyzer,
    TermAnalyzer,
)
from rag.transliteration import MIN_SKELETON, word_skeleton
from rag.vectors import build_faiss_index, configure_search
from rag.word_units import english_pairs, segment

Encode = Callable[[Sequence[str]], np.ndarray]
LEXICON_BATCH = 512  # texts analysed per kiwipiepy call while counting a lexicon's words


@dataclass
class Lexicon:
    """The words of one corpus language, their BM25 terms and their embeddings."""

    lang: str
    words: list[str]
    terms: list[list[str]]
    vectors: np.ndarray  # unit vectors, one row per word

    def index_of(self) -> dict[str, int]:
        return {word: row for row, word in enumerate(self.words)}


def lexicon_words(
    texts: Iterable[str], lang: str, analyzer: TermAnalyzer, min_df: int
) -> tuple[list[str], list[list[str]]]:
    """Content words found in at least ``min_df`` texts, with their BM25 terms (the texts
    are analysed a batch at a time, so they may stream from disk)."""
    frequency: Counter[str] = Counter()
    iterator = iter(texts)
    while batch := list(islice(iterator, LEXICON_BATCH)):
        for words in analyzer.content_words_batch(batch, lang):
            frequency.update({w.lower() if lang != KOREAN else w for w in words})
    frequent = sorted(word for word, count in frequency.items() if count >= min_df)
    chosen, terms = [], []
    # A word's terms as the index holds them (``word_terms``), in one batch.
    for word, word_terms in zip(frequent, analyzer.terms_batch(frequent), strict=True):
        if word_terms:
            chosen.append(word)
            terms.append(word_terms)
    return chosen, terms


def _find_usable_senses(
    dictionaries: Mapping[tuple[str, str], BilingualDictionary],
    known: Mapping[str, Mapping[str, int]],
    term_rows: Mapping[str, Mapping[str, int]],
    word_terms: Callable[[str], list[str]],
    word: str,
    lang: str,
    other: str,
) -> list[tuple[str, list[int]]]:
    """Dictionary senses of ``word`` (from ``lang`` into ``other``) with a word in the
    ``other`` lexicon (one that never occurs in the corpus cannot match), or, in English, a
    word's stem (``term_rows``: the row of a word that is that one term), with those
    lexicon rows."""
    dictionary = dictionaries.get((lang, other))
    if dictionary is None:
        return []
    rows_of = known[other]
    stems = term_rows.get(other)
    usable = []
    for sense in dictionary.senses(word):
        if other == KOREAN:  # Korean headwords, some of several words (예방 접종)
            words = sense.split()
        else:
            words = [w for w in SENSE_WORD.findall(sense.lower()) if w not in ENGLISH_STOP_WORDS]
        rows = [rows_of[w] for w in words if w in rows_of]
        if not rows and stems is not None:
            # An English sense the corpus holds only in another form (obsession: obsessive)
            # matches it all the same, by its stem: through a word of that stem.
            rows = [stems[term] for w in words for term in word_terms(w) if term in stems]
        if rows:
            usable.append((sense, rows))
    return usable


def _by_origin(translations: dict[str, list[str]], origin: dict[str, str]) -> dict[str, list[str]]:
    """Translations keyed by the question's words, in their order (some needed no embedding
    and were translated first); a compound's parts' translations are the compound's."""
    out: dict[str, list[str]] = {}
    for word, source in origin.items():
        if word in translations:
            out.setdefault(source, []).extend(translations[word])
    return out


class Translator:
    """Translates a question's content words into BM25 terms of the other corpus languages."""

    def __init__(
        self,
        lexicons: Mapping[str, Lexicon],
        analyzer: LexicalAnalyzer,
        encode_words: Encode,
        *,
        cache_size: int,
        factory: str = "Flat",
        ef_search: int = 64,
        dictionary: BilingualDictionary | None = None,
        english_dictionary: BilingualDictionary | None = None,
    ) -> None:
        self.lexicons = dict(lexicons)
        # Korean → English as published; English → Korean its reversal (``reversed``).
        self.dictionaries: dict[tuple[str, str], BilingualDictionary] = {}
        if dictionary is not None:
            self.dictionaries[KOREAN, ENGLISH] = dictionary
        if english_dictionary is not None:
            self.dictionaries[ENGLISH, KOREAN] = english_dictionary
        self.analyzer = analyzer
        self.encode_words = encode_words
        self.cache_size = cache_size
        self._known = {lang: lexicon.index_of() for lang, lexicon in self.lexicons.items()}
        # For each English term, the lexicon row of the first word that is that one term
        # (obsess: obsessive), which stands for a dictionary sense of the same stem (Korean
        # senses, whole nouns, are looked up as written).
        self._term_rows: dict[str, dict[str, int]] = {}
        # And every such word of a term, for spelling corrections (vaccin: vaccinate, vaccine).
        self._term_words: dict[str, dict[str, list[str]]] = {}
        for lang, lexicon in self.lexicons.items():
            if lang != KOREAN:
                by_term = self._term_rows.setdefault(lang, {})
                words = self._term_words.setdefault(lang, {})
                for row, terms in enumerate(lexicon.terms):
                    if len(terms) == 1:
                        by_term.setdefault(terms[0], row)
                        words.setdefault(terms[0], []).append(lexicon.words[row])
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        # A question's words are looked up in the dictionary to choose what to embed and again
        # to translate them; the senses usable in this corpus do not change. The cached
        # function holds the dictionary, the lexicons' rows and the analyzer, not ``self``: a
        # bound method would make a reference cycle, and a swapped-out index would then stay
        # in memory (lexicons, their FAISS indexes, the analyzer) until the cycle collector
        # happened to run.
        self._usable_senses = lru_cache(maxsize=cache_size)(
            partial(
                _find_usable_senses,
                self.dictionaries,
                self._known,
                self._term_rows,
                analyzer.word_terms,
            )
        )
        # Requests are served from several threads: the cache's reads and evictions interleave.
        self._cache_lock = threading.Lock()
        # Nearest-word search through a FAISS index: an approximate one (HNSW) reads a few
        # hundred word vectors a question instead of all of them, which would also flush
        # the encoder's weights from the CPU caches.
        self._indexes: dict[str, Any] = {}
        # Consonant skeletons of the lexicon words, for translation by sound.
        self._skeletons = {
            lang: [word_skeleton(w) for w in lexicon.words]
            for lang, lexicon in self.lexicons.items()
        }
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)  # a parallel HNSW build is not reproducible
        try:
            for lang, lexicon in self.lexicons.items():
                if lexicon.words:
                    index = build_faiss_index(np.ascontiguousarray(lexicon.vectors), factory)
                    configure_search(index, ef_search=ef_search, nprobe=1)
                    self._indexes[lang] = index
        finally:
            faiss.omp_set_num_threads(threads)

    def words_for_term(self, term: str, lang: str) -> list[str]:
        """The words of ``lang``'s lexicon that are that one BM25 term (English only: Korean
        words are their own terms)."""
        return self._term_words.get(lang, {}).get(term, [])

    def knows_word(self, word: str, lang: str) -> bool:
        """Whether the dictionary from ``lang`` has senses for ``word`` (in this corpus or
        not): a real word of the language."""
        return any(
            bool(dictionary.senses(word))
            for (source, _), dictionary in self.dictionaries.items()
            if source == lang
        )

    def _needs_vector(self, word: str, lang: str, count: int, by_question: bool) -> bool:
        """Whether translating ``word`` reads its embedding: a word the dictionary translates
        does not if it has no more than ``count`` usable senses (all are kept) or, with
        ``by_question``, at all (its senses are chosen by the question's vector)."""
        for other in self._indexes:
            if other != lang:
                usable = len(self._usable_senses(word, lang, other)) if count else 0
                if usable == 0 or (usable > count and not by_question):
                    return True
        return False

    def _dictionary_terms(
        self, word: str, vector: np.ndarray | None, lang: str, other: str, count: int
    ) -> list[str]:
        """BM25 terms of the ``count`` usable dictionary senses of ``word`` nearest to
        ``vector`` (its embedding or the question's; all of them, and no vector needed, if
        there are no more than ``count``); empty when the dictionary does not help."""
        usable = self._usable_senses(word, lang, other) if count else []
        if len(usable) > count:
            if vector is None:
                raise ValueError(f"choosing among the senses of {word!r} needs its embedding")
            lexicon = self.lexicons[other]
            scored = [
                (float(lexicon.vectors[rows].mean(axis=0) @ vector), -order, sense)
                for order, (sense, rows) in enumerate(usable)
            ]
            chosen = [sense for _, _, sense in sorted(scored, reverse=True)[:count]]
        else:
            chosen = [sense for sense, _ in usable]
        terms: list[str] = []
        for sense in chosen:
            terms.extend(t for t in self.analyzer.word_terms(sense) if t not in terms)
        return terms

    def _key(self, word: str, lang: str) -> str:
        return word.lower() if lang != KOREAN else word

    def _content_words(
        self, text: str, lang: str, split_compounds: bool = False, phrases: bool = False
    ) -> dict[str, str]:
        """The words of ``text`` to translate, each with the question's word whose
        translation it gives (itself, or the compound it is a part of)."""
        # Asked twice a question (words to embed, then translation): the analyzer remembers
        # the question's morphemes, the costly part.
        known = self._known.get(lang, {})
        words: dict[str, str] = {}
        paired: set[str] = set()
        if phrases and lang == ENGLISH:
            # Two words the dictionary translates together (side effects: 부작용), instead
            # of each alone ("side" is no part of its meaning).
            for phrase in english_pairs(text):
                if self._usable_senses(phrase, lang, KOREAN):
                    words.setdefault(phrase, phrase)
                    paired.update(phrase.split())
        for word in self.analyzer.content_words(text, lang):
            if word.lower() in paired:
                continue
            # A compound the lexicon does not hold is translated part by part (BOSTON-SEOUL:
            # 보스턴, 서울), as the other language writes it; its parts are in the lexicon more
            # often than it is, and then need no embedding.
            if "-" in word and self._key(word, lang) not in known:
                for part in word.split("-"):
                    if len(part) >= MIN_LATIN_WORD:
                        words.setdefault(part, part)
            elif split_compounds and lang == KOREAN and word not in known:
                for part in self._compound_parts(word):
                    words.setdefault(part, word)
            else:
                words.setdefault(word, word)
        return words

    def _compound_parts(self, word: str) -> list[str]:
        """A Korean compound noun that neither the lexicon nor the dictionary holds, as the
        dictionary's words it is made of (환각버섯: 환각, 버섯; 하지불안 증후군: 하지, 불안,
        증후군), each translated on its own; the word itself where it is not made of them
        (a name: 자프겐)."""
        dictionary = self.dictionaries.get((KOREAN, ENGLISH))
        if dictionary is None or dictionary.senses(word):
            return [word]
        parts: list[str] = []
        for piece in word.split():
            known = dictionary.senses(piece) or piece in self._known.get(KOREAN, {})
            parts.extend([piece] if known else segment(piece, dictionary) or [piece])
        return parts

    def unseen_words(
        self,
        text: str,
        lang: str,
        dictionary_senses: int = 0,
        senses_by_question: bool = False,
        split_compounds: bool = False,
        phrases: bool = False,
    ) -> list[str]:
        """Content words of ``text`` that translating it would have to embed: in neither the
        own-language lexicon nor the cache, and not translated by the dictionary without a
        choice among senses. The engine embeds them with the question."""
        if not any(other != lang for other in self._indexes):
            return []  # nothing to translate into
        known = self._known.get(lang, {})
        return [
            word
            for word in self._content_words(text, lang, split_compounds, phrases)
            if self._key(word, lang) not in known
            and word not in self._cache
            and self._needs_vector(word, lang, dictionary_senses, senses_by_question)
        ]

    def remember(self, words: Sequence[str], vectors: np.ndarray) -> None:
        """Keep embedded question words for translation (least recently used go first)."""
        with self._cache_lock:
            for word, vector in zip(words, vectors, strict=True):
                self._cache[word] = vector
                self._cache.move_to_end(word)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def forget(self) -> None:
        """Drop the remembered question words (benchmarks measure a cold cache with it)."""
        with self._cache_lock:
            self._cache.clear()

    def _word_vectors(self, words: Sequence[str], lang: str) -> np.ndarray:
        """Vectors of ``words``: from the own-language lexicon, the cache, or the encoder."""
        rows: dict[str, np.ndarray] = {}
        own = self.lexicons.get(lang)
        known = self._known.get(lang, {})
        missing = []
        for word in dict.fromkeys(words):
            key = self._key(word, lang)
            if own is not None and key in known:
                rows[word] = own.vectors[known[key]]
            else:
                with self._cache_lock:
                    cached = self._cache.get(word)
                    if cached is not None:
                        self._cache.move_to_end(word)
                if cached is None:
                    missing.append(word)
                else:
                    rows[word] = cached
        if missing:
            vectors = self.encode_words(missing)
            rows.update(zip(missing, vectors, strict=True))
            self.remember(missing, vectors)
        return np.stack([rows[w] for w in words])

    def translate(
        self,
        text: str,
        lang: str,
        threshold: float,
        *,
        sound_neighbours: int = 0,
        dictionary_senses: int = 0,
        question_vector: np.ndarray | None = None,
        split_compounds: bool = False,
        phrases: bool = False,
    ) -> dict[str, list[str]]:
        """For each content word of ``text`` that translates: its BM25 terms in the corpus's
        other languages.

        A translation is the nearest lexicon word, if at least ``threshold`` similar. With
        ``sound_neighbours``, also the nearest of that many neighbours whose consonant skeleton
        matches the word's (a name or loanword written in the other script). With
        ``dictionary_senses``, a word the dictionary knows (a Korean one, or an English one
        through the dictionary reversed) is translated by its senses nearest to it instead
        (``_dictionary_terms``), or nearest to ``question_vector`` where given: the question
        tells which sense of a word it means, and the word needs no embedding. With
        ``split_compounds``, a Korean compound noun known to neither the lexicon nor the
        dictionary is translated by the dictionary words it is made of."""
        targets = [other for other in self._indexes if other != lang]
        if not targets:
            return {}
        origin = self._content_words(text, lang, split_compounds, phrases)
        words = list(origin)
        if not words:
            return {}
        # Only the words that need one are embedded (or read from the lexicon or the cache).
        by_question = question_vector is not None
        embedded = [w for w in words if self._needs_vector(w, lang, dictionary_senses, by_question)]
        if not embedded:
            return _by_origin(
                self._dictionary_translations(
                    words, lang, targets, dictionary_senses, question_vector
                ),
                origin,
            )
        vectors = np.ascontiguousarray(self._word_vectors(embedded, lang), dtype=np.float32)
        translations = self._dictionary_translations(
            [w for w in words if w not in embedded],
            lang,
            targets,
            dictionary_senses,
            question_vector,
        )
        skeletons = [word_skeleton(w) for w in embedded]
        depth = max(1, sound_neighbours)
        for other in targets:
            lexicon = self.lexicons[other]
            similarity, nearest = self._indexes[other].search(vectors, depth)
            for row, word in enumerate(embedded):
                known = self._dictionary_terms(word, vectors[row], lang, other, dictionary_senses)
                if known:
                    translations.setdefault(word, []).extend(known)
                    continue
                chosen = []
                if nearest[row, 0] >= 0 and similarity[row, 0] >= threshold:
                    chosen.append(int(nearest[row, 0]))
                if sound_neighbours and len(skeletons[row]) >= MIN_SKELETON:
                    other_skeletons = self._skeletons[other]
                    sounding = next(
                        (
                            int(c)
                            for c in nearest[row, :sound_neighbours]
                            if c >= 0 and other_skeletons[c] == skeletons[row]
                        ),
                        None,
                    )
                    if sounding is not None and sounding not in chosen:
                        chosen.append(sounding)
                for column in chosen:
                    translations.setdefault(word, []).extend(lexicon.terms[column])
        return _by_origin(translations, origin)

    def _dictionary_translations(
        self,
        words: Sequence[str],
        lang: str,
        targets: Sequence[str],
        count: int,
        question_vector: np.ndarray | None,
    ) -> dict[str, list[str]]:
        """Translations of words the dictionary translates without their embeddings: by all
        their usable senses, or by those nearest to ``question_vector``."""
        translations: dict[str, list[str]] = {}
        for other in targets:
            for word in words:
                terms = self._dictionary_terms(word, question_vector, lang, other, count)
                if terms:
                    translations.setdefault(word, []).extend(terms)
        return translations
