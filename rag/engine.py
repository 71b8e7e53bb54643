"""The question-answering engine: a loaded index with its stages (``rag.stages``): prepare a
question, rank, judge (``rag.judge``), cite."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.answer import Answer, Passage, SentenceHighlighter, add_passage
from rag.config import QueryParams, Settings
from rag.corpus import Corpus, Filters
from rag.crosslingual import Translator
from rag.embedding.encoder import Encoder
from rag.errors import InputError
from rag.judge import Judge
from rag.korean_spelling import KoreanSpellingCorrector, KoreanWords
from rag.language import ENGLISH, KOREAN, detect_language
from rag.lexical.analyzer import LexicalAnalyzer, without_question_quantifiers
from rag.lexical.bm25 import BM25Retriever
from rag.question_type import asked_kind, asks_for_number, question_focus
from rag.retrieval.dense import DenseRetriever
from rag.retrieval.hybrid import METHODS, HybridRanker, Ranking
from rag.retrieval.sentence_match import SentenceMatcher
from rag.sentence_table import SentenceTable
from rag.spelling import EnglishWords, SpellingCorrector
from rag.stages import Trace, answer_query, prepare
from rag.types import FusedRanking, Hit, Query

if TYPE_CHECKING:
    from rag.reader import Reader


class SearchEngine:
    def __init__(
        self,
        settings: Settings,
        encoder: Encoder,
        analyzer: LexicalAnalyzer,
        corpus: Corpus,
        dense: DenseRetriever,
        bm25: BM25Retriever,
        *,
        translator: Translator | None = None,
        sentences: SentenceTable | None = None,
        rankings: Sequence[FusedRanking] = (),
    ) -> None:
        """``rankings``: the fused rankings besides dense and BM25, in fusion order.
        ``settings``: the service's; its ``query`` parameters are the defaults of a request
        that brings none."""
        self.settings = settings
        self.params = settings.query
        self.encoder = encoder
        self.analyzer = analyzer
        self.corpus = corpus
        self.dense = dense
        self.bm25 = bm25
        self.translator = translator
        self.ranker = HybridRanker(
            dense,
            bm25,
            corpus.chunk_languages(),
            rankings,
            None if sentences is None else SentenceMatcher(sentences, corpus.chunks, bm25.idf),
        )
        self.judge = Judge(self.ranker, corpus)
        self._reader: Reader | None = None
        self._reader_lock = threading.Lock()
        self._spellers: dict[tuple[int, int, bool], SpellingCorrector] = {}
        self._korean_spellers: dict[tuple[int, int, bool], KoreanSpellingCorrector] = {}
        self._speller_lock = threading.Lock()
        self.highlighter = SentenceHighlighter(
            analyzer,
            bm25.idf,
            encoder,
            sentences,
        )

    def reader(self) -> Reader:
        """The trained reader, loaded on first use (PyTorch and the base weights, ~0.5 GB)."""
        with self._reader_lock:
            if self._reader is None:
                from rag.embedding.encoder import resolve_model_path
                from rag.reader import load_reader

                self._reader = load_reader(
                    Path(resolve_model_path(self.settings)), self.settings.encoder.reader_adapter
                )
            return self._reader

    def warm_up(self) -> None:
        """Run one query end to end so the first user does not pay for lazy initialisation."""
        for text in ("warm up", "준비"):
            self.search(text, 1)
        if self.params.reader:  # the service reads by default: load the reader now
            self.reader()

    def speller(self, params: QueryParams) -> SpellingCorrector:
        """The spelling corrector over this index's terms, for ``params``' lengths and use of
        the dictionary (one per combination: its list of terms is made on first use)."""
        key = self._spelling_key(params)
        with self._speller_lock:
            if key not in self._spellers:
                words = EnglishWords(self.encoder.count_tokens, self.translator, key[2])
                self._spellers[key] = SpellingCorrector(self.bm25.idf, *key[:2], words=words)
            return self._spellers[key]

    def korean_speller(self, params: QueryParams) -> KoreanSpellingCorrector:
        """The Korean spelling corrector, as :meth:`speller` (its lengths count jamo)."""
        key = self._spelling_key(params)
        with self._speller_lock:
            if key not in self._korean_spellers:
                known = self.analyzer.in_korean_dictionary
                words = KoreanWords(known, self.translator, key[2])
                self._korean_spellers[key] = KoreanSpellingCorrector(
                    self.bm25.idf, *key[:2], words=words
                )
            return self._korean_spellers[key]

    @staticmethod
    def _spelling_key(params: QueryParams) -> tuple[int, int, bool]:
        return (
            params.spelling_min_chars,
            params.spelling_two_edits_chars,
            params.translation_dictionary,
        )

    # ----------------------------------------------------------------- queries
    def validate_question(self, question: str) -> str:
        text = question.strip()
        if not text:
            raise InputError("question is empty")
        if len(text) > self.settings.service.max_question_chars:
            raise InputError(
                f"question is {len(text)} characters long; the limit is "
                f"{self.settings.service.max_question_chars}"
            )
        return text

    def validate_top_k(self, top_k: int) -> int:
        if not 1 <= top_k <= self.settings.service.max_top_k:
            raise InputError(f"top_k must be between 1 and {self.settings.service.max_top_k}")
        return top_k

    def _add_translations(self, query: Query, translations: dict[str, list[str]]) -> None:
        by_term = {next(iter(c)): c for c in query.concepts}
        for word, terms in translations.items():
            query.translations.extend(terms)
            own = self.analyzer.word_terms(word)
            concept = next((by_term[t] for t in own if t in by_term), None)
            if concept is None:
                query.concepts.append(set(terms))
            else:
                concept.update(terms)

    @staticmethod
    def _dictionary_senses(params: QueryParams, lang: str) -> int:
        """Dictionary senses kept per word of a question in ``lang``; 0 when the dictionary
        is off (for that language)."""
        if not params.translation_dictionary:
            return 0
        if lang == ENGLISH and not params.translation_dictionary_english:
            return 0
        return params.dictionary_senses

    @staticmethod
    def _senses_by_question(params: QueryParams) -> bool:
        """Whether a word's dictionary senses are chosen by the question's vector (then the
        word is not embedded for it)."""
        return params.dictionary_senses_by == "question"

    def _embed(
        self,
        queries: Sequence[Query],
        wordings: Sequence[str],
        translator: Translator | None,
        params: QueryParams,
    ) -> None:
        """Query vectors, raw and centred like the passages in the index. The new words that
        ``translator`` will need are embedded here too: for a single question in the same
        forward pass as the question, which costs little more than the question alone."""
        texts = [query.text for query in queries]
        words: list[str] = []
        if translator is not None:
            by_question = self._senses_by_question(params)
            unseen = (
                translator.unseen_words(
                    wording,
                    q.lang,
                    self._dictionary_senses(params, q.lang),
                    by_question,
                    params.translation_splits_compounds,
                    params.translation_english_phrases,
                )
                for q, wording in zip(queries, wordings, strict=True)
            )
            words = list(dict.fromkeys(word for found in unseen for word in found))
        if len(texts) == 1 and params.pack_queries:
            vectors = self.encoder.encode_queries_together([*texts, *words])
            raw, word_vectors = vectors[:1], vectors[1:]
        else:
            raw = self.encoder.encode_queries(texts)
            word_vectors = self.encoder.encode_queries(words)
        if translator is not None and words:
            translator.remember(words, word_vectors)
        centred = self.dense.center(raw, [q.lang for q in queries])
        for query, vector, original in zip(queries, centred, raw, strict=True):
            query.vector = vector
            query.raw_vector = original

    def make_query(
        self, question: str, *, method: str = "hybrid", params: QueryParams | None = None
    ) -> Query:
        return self.make_queries([question], method=method, params=params)[0]

    def make_queries(
        self,
        questions: Sequence[str],
        *,
        method: str = "hybrid",
        batch_size: int = 64,
        params: QueryParams | None = None,
    ) -> list[Query]:
        """Queries for questions: BM25 terms, centred vectors, translations (hybrid only)."""
        params = params or self.params
        texts = [self.validate_question(q) for q in questions]
        languages = [detect_language(t) for t in texts]
        queries = [Query(text=t, lang=lang) for t, lang in zip(texts, languages, strict=True)]
        # What the lexical side reads: the encoder and the question-type rules read the text.
        wordings = (
            [without_question_quantifiers(t) for t in texts]
            if params.question_quantifiers_dropped
            else list(texts)
        )
        if params.spelling_correction and method in ("hybrid", "bm25"):
            speller, korean = self.speller(params), self.korean_speller(params)
            for at, query in enumerate(queries):
                wordings[at], query.corrections = speller.correct(
                    wordings[at], self.analyzer.word_terms
                )
                if query.lang == KOREAN:
                    wordings[at], corrections = korean.correct(
                        wordings[at], self.analyzer.unknown_korean_nouns
                    )
                    query.corrections.update(corrections)
        if method == "hybrid":
            analysed = self.analyzer.query_terms_batch(wordings)
            for query, (terms, words) in zip(queries, analysed, strict=True):
                query.terms = terms
                query.words = words
        elif method == "bm25":
            for query, terms in zip(queries, self.analyzer.terms_batch(wordings), strict=True):
                query.terms = terms
        for query in queries:
            query.concepts = [{term} for term in dict.fromkeys(query.terms)]
        translator = self.translator if method == "hybrid" and params.translate else None
        if method in ("hybrid", "dense"):
            for begin in range(0, len(queries), batch_size):
                end = begin + batch_size
                self._embed(queries[begin:end], wordings[begin:end], translator, params)
        if translator is not None:
            by_question = self._senses_by_question(params)
            for query, text in zip(queries, wordings, strict=True):
                translations = translator.translate(
                    text,
                    query.lang,
                    params.translation_threshold,
                    sound_neighbours=params.transliteration_neighbours,
                    dictionary_senses=self._dictionary_senses(params, query.lang),
                    split_compounds=params.translation_splits_compounds,
                    phrases=params.translation_english_phrases,
                    question_vector=query.raw_vector if by_question else None,
                )
                self._add_translations(query, translations)
        return queries

    # ----------------------------------------------------------------- ranking
    def rank(
        self,
        query: Query,
        allowed: np.ndarray | None = None,
        *,
        method: str = "hybrid",
        params: QueryParams | None = None,
    ) -> Ranking:
        if method not in METHODS:
            raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
        return self.ranker.rank(query, allowed, method, params or self.params)

    # ----------------------------------------------------------------- passages
    def _passage(self, hit: Hit, citation: int) -> Passage:
        chunk = self.corpus.chunks[hit.position]
        article = self.corpus.articles[chunk.article_id]
        return Passage(
            citation=citation,
            article_id=article.id,
            chunk_id=chunk.id,
            title=article.title,
            source=article.source,
            published=article.published,
            url=article.url,
            lang=chunk.lang,
            start=chunk.start,
            end=chunk.end,
            text=chunk.text,
            score=round(hit.score, 6),
        )

    def passages(
        self, hits: Sequence[Hit], top_k: int, params: QueryParams | None = None
    ) -> list[Passage]:
        """The best ``top_k`` passages: neighbouring chunks of an article are joined, copies
        dropped, so no two passages repeat the same text."""
        max_chars = (params or self.params).max_passage_chars
        chosen: list[Passage] = []
        for hit in hits:
            candidate = self._passage(hit, 0)
            article_text = self.corpus.articles[candidate.article_id].text
            add_passage(chosen, candidate, article_text, max_chars=max_chars)
            if len(chosen) == top_k:
                break
        for number, passage in enumerate(chosen, start=1):
            passage.citation = number
        return chosen

    def highlight(
        self, passages: list[Passage], query: Query, params: QueryParams | None = None
    ) -> None:
        """Quote the sentences that best match; translations let a Korean question quote an
        English sentence by shared terms, embeddings decide when no term is shared."""
        params = params or self.params
        self.highlighter.highlight(
            passages,
            [*query.terms, *query.translations],
            query.raw_vector,
            params.highlight_sentences,
            number_bonus=params.highlight_number_bonus if asks_for_number(query.text) else 0,
            focus=question_focus(query),
            focus_bonus=params.highlight_focus_bonus,
            dense_limit=params.highlight_dense_max_sentences,
            kind=asked_kind(query.text),
            kind_bonus=params.highlight_kind_bonus,
        )

    def search(
        self,
        question: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        *,
        method: str = "hybrid",
        params: QueryParams | None = None,
    ) -> list[Passage]:
        """Ranked and cited passages, not judged. ``params``: this request's (the service's
        defaults when None)."""
        params = params or self.params
        top_k = self.validate_top_k(params.top_k if top_k is None else top_k)
        query = prepare(self, question, method=method, params=params)
        allowed = self.corpus.mask(filters or Filters())
        answered = answer_query(
            self, query, top_k, allowed, method=method, judged=False, params=params
        )
        return answered.passages

    def answer(
        self,
        question: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        *,
        trace: Trace | None = None,
        params: QueryParams | None = None,
    ) -> Answer:
        """Cited passages. When the judge finds that they do not answer the question,
        ``found`` is false and the passages are the closest ones, for a person to judge.
        With ``trace``, each stage's time and output are recorded there and in the answer."""
        params = params or self.params
        top_k = self.validate_top_k(params.top_k if top_k is None else top_k)
        query = prepare(self, question, trace=trace, params=params)
        allowed = self.corpus.mask(filters or Filters())
        answer = answer_query(self, query, top_k, allowed, trace=trace, params=params).answer
        if trace is not None:
            answer.trace = trace.to_list()
        return answer
