"""The question-answering engine: a question in, ranked and cited passages out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.abstention import (
    AbstentionModel,
    AnswerSignals,
    missing_year,
    standardized_top,
    term_coverage,
    unknown_share,
)
from rag.answer import (
    NO_CONTENT_MESSAGE,
    NOT_FOUND_MESSAGE,
    NOTHING_RETRIEVED_MESSAGE,
    Answer,
    Passage,
    SentenceHighlighter,
    add_passage,
)
from rag.config import Settings
from rag.corpus import Corpus, Filters
from rag.crosslingual import Translator, center
from rag.embedding.encoder import Encoder
from rag.errors import InputError
from rag.language import detect_language
from rag.lexical.analyzer import LexicalAnalyzer, has_content
from rag.lexical.bm25 import BM25Retriever, PhraseRetriever, SyllableRetriever
from rag.lexical.phrases import phrase_terms
from rag.lexical.syllables import syllable_terms
from rag.question_type import asks_for_number, question_focus
from rag.retrieval.base import Hit, Query
from rag.retrieval.dense import DenseRetriever
from rag.retrieval.hybrid import METHODS, HybridRanker, Ranking
from rag.retrieval.sentence_match import SentenceMatcher
from rag.retrieval.title import TitleRetriever
from rag.sentence_table import SentenceTable


@dataclass(frozen=True)
class Decision:
    """Whether the ranking holds an answer, how sure the engine is (0..1), and the signals
    it read (None when nothing was retrieved)."""

    found: bool
    confidence: float
    signals: AnswerSignals | None = None


def _abstention_model(settings: Settings) -> AbstentionModel:
    return AbstentionModel(tuple(settings.abstain_weights), settings.abstain_bias)


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
        language_means: dict[str, np.ndarray] | None = None,
        translator: Translator | None = None,
        sentences: SentenceTable | None = None,
        titles: TitleRetriever | None = None,
        syllables: SyllableRetriever | None = None,
        phrases: PhraseRetriever | None = None,
    ) -> None:
        self.settings = settings
        self.encoder = encoder
        self.analyzer = analyzer
        self.corpus = corpus
        self.dense = dense
        self.bm25 = bm25
        self.abstention = _abstention_model(settings)
        self.language_means = language_means or {}
        self.translator = translator
        self.ranker = HybridRanker(
            settings,
            dense,
            bm25,
            corpus.chunk_languages(),
            self.language_means,
            titles,
            syllables,
            phrases,
            None if sentences is None else SentenceMatcher(sentences, corpus.chunks, bm25.idf),
        )
        self.highlighter = SentenceHighlighter(
            analyzer,
            bm25.idf,
            encoder,
            settings.highlight_dense_max_sentences,
            sentences,
        )

    def use_settings(self, settings: Settings) -> None:
        """Switch query-time settings (fusion, feedback, limits) without reloading the index."""
        self.settings = settings
        self.ranker.use_settings(settings)
        self.abstention = _abstention_model(settings)

    def warm_up(self) -> None:
        """Run one query end to end so the first user does not pay for lazy initialisation."""
        for text in ("warm up", "준비"):
            self.search(text, 1)

    # ----------------------------------------------------------------- queries
    def validate_question(self, question: str) -> str:
        text = question.strip()
        if not text:
            raise InputError("question is empty")
        if len(text) > self.settings.max_question_chars:
            raise InputError(
                f"question is {len(text)} characters long; the limit is "
                f"{self.settings.max_question_chars}"
            )
        return text

    def validate_top_k(self, top_k: int) -> int:
        if not 1 <= top_k <= self.settings.max_top_k:
            raise InputError(f"top_k must be between 1 and {self.settings.max_top_k}")
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

    def _dictionary_senses(self) -> int:
        """Dictionary senses kept per word; 0 when the dictionary is off."""
        settings = self.settings
        return settings.dictionary_senses if settings.translation_dictionary else 0

    def _senses_by_question(self) -> bool:
        """Whether a word's dictionary senses are chosen by the question's vector (then the
        word is not embedded for it)."""
        return self.settings.dictionary_senses_by == "question"

    def _embed(self, queries: Sequence[Query], translator: Translator | None) -> None:
        """Query vectors, raw and centred like the passages in the index. The new words that
        ``translator`` will need are embedded here too: for a single question in the same
        forward pass as the question, which costs little more than the question alone."""
        texts = [query.text for query in queries]
        words: list[str] = []
        if translator is not None:
            senses = self._dictionary_senses()
            by_question = self._senses_by_question()
            unseen = (translator.unseen_words(q.text, q.lang, senses, by_question) for q in queries)
            words = list(dict.fromkeys(word for found in unseen for word in found))
        if len(texts) == 1 and self.settings.pack_queries:
            vectors = self.encoder.encode_queries_together([*texts, *words])
            raw, word_vectors = vectors[:1], vectors[1:]
        else:
            raw = self.encoder.encode_queries(texts)
            word_vectors = self.encoder.encode_queries(words)
        if translator is not None and words:
            translator.remember(words, word_vectors)
        centred = center(
            raw, [q.lang for q in queries], self.language_means, self.settings.language_centering
        )
        for query, vector, original in zip(queries, centred, raw, strict=True):
            query.vector = vector
            query.raw_vector = original

    def make_query(self, question: str, *, method: str = "hybrid") -> Query:
        return self.make_queries([question], method=method)[0]

    def make_queries(
        self, questions: Sequence[str], *, method: str = "hybrid", batch_size: int = 64
    ) -> list[Query]:
        """Queries for questions: BM25 terms, centred vectors, translations (hybrid only)."""
        texts = [self.validate_question(q) for q in questions]
        languages = [detect_language(t) for t in texts]
        queries = [Query(text=t, lang=lang) for t, lang in zip(texts, languages, strict=True)]
        if method == "hybrid":
            analysed = self.analyzer.query_terms_batch(texts)
            for query, (terms, words) in zip(queries, analysed, strict=True):
                query.terms = terms
                query.syllables = syllable_terms(" ".join(words)) if words else []
                query.phrases = phrase_terms(terms)
        elif method == "bm25":
            for query, terms in zip(queries, self.analyzer.terms_batch(texts), strict=True):
                query.terms = terms
        for query in queries:
            query.concepts = [{term} for term in dict.fromkeys(query.terms)]
        translator = self.translator if method == "hybrid" and self.settings.translate else None
        if method in ("hybrid", "dense"):
            for begin in range(0, len(queries), batch_size):
                self._embed(queries[begin : begin + batch_size], translator)
        if translator is not None:
            settings = self.settings
            for query in queries:
                translations = translator.translate(
                    query.text,
                    query.lang,
                    settings.translation_threshold,
                    sound_neighbours=settings.transliteration_neighbours,
                    dictionary_senses=self._dictionary_senses(),
                    question_vector=query.raw_vector if self._senses_by_question() else None,
                )
                self._add_translations(query, translations)
        return queries

    # ----------------------------------------------------------------- ranking
    def rank(
        self, query: Query, allowed: np.ndarray | None = None, *, method: str = "hybrid"
    ) -> Ranking:
        if method not in METHODS:
            raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
        return self.ranker.rank(query, allowed, method)

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

    def passages(self, hits: list[Hit], top_k: int) -> list[Passage]:
        """The best ``top_k`` passages: neighbouring chunks of an article are joined, copies
        dropped, so no two passages repeat the same text."""
        chosen: list[Passage] = []
        for hit in hits:
            candidate = self._passage(hit, 0)
            article_text = self.corpus.articles[candidate.article_id].text
            add_passage(chosen, candidate, article_text, max_chars=self.settings.max_passage_chars)
            if len(chosen) == top_k:
                break
        for number, passage in enumerate(chosen, start=1):
            passage.citation = number
        return chosen

    def signals(
        self, query: Query, ranking: Ranking, allowed: np.ndarray | None = None
    ) -> AnswerSignals | None:
        """What the abstention model reads off a ranking; None when nothing was retrieved.

        ``allowed``: the filter mask the ranking was made under. The best passage of a
        filtered ranking is compared with the unfiltered dense candidates, since a passage
        that stands out among a handful of filtered ones may not stand out at all."""
        evidence = ranking.evidence
        if not len(evidence):
            return None
        best = evidence.positions[: self.settings.abstain_passages].tolist()
        top, first = best[0], int(ranking.ranked.positions[0])
        similarity, standout = 0.0, 0.0
        pool = ranking.dense if allowed is None else self.ranker.dense_candidates(query)
        candidates = sorted(set(pool.positions.tolist()) | {top})
        rows = self.dense.rows(candidates)
        chunks = self.corpus.chunks
        if query.raw_vector is not None and rows is not None:
            # Raw model similarities: unlike centred ones, they do not depend on the corpus mix.
            scores = rows @ query.raw_vector
            similarity = float(scores[candidates.index(top)])
            standout = standardized_top(scores.tolist(), similarity)
        coverage, rarest_missing = term_coverage(
            query.concepts, best, self.bm25.contains, self.highlighter.idf
        )
        lexical_miss = 0.0
        if chunks[first].lang == query.lang:
            _, lexical_miss = term_coverage(
                query.concepts, [first], self.bm25.contains, self.highlighter.idf
            )
        article = self.corpus.article_of(first)
        return AnswerSignals(
            similarity=similarity,
            standout=standout,
            coverage=coverage,
            rarest_missing=rarest_missing,
            cross=float(chunks[top].lang != query.lang),
            agreement=float(chunks[top].article_id == article.id),
            lexical_miss=lexical_miss,
            missing_year=missing_year(query.text, f"{article.title}\n{chunks[first].text}"),
            unknown_share=unknown_share(query.concepts, lambda term: self.bm25.held(term, allowed)),
        )

    def decide(self, query: Query, ranking: Ranking, allowed: np.ndarray | None = None) -> Decision:
        signals = self.signals(query, ranking, allowed)
        if signals is None:
            return Decision(False, 0.0)
        probability = self.abstention.probability(signals)
        # Every concept of the question, its rarest included, is in a passage that stands out:
        # lexical evidence a short question ("NSTRI는 무엇인가요?") cannot show in similarity.
        complete = (
            signals.coverage >= 1.0
            and signals.rarest_missing == 0.0
            and signals.standout >= self.settings.abstain_full_match_standout
        )
        found = complete or probability >= self.settings.abstain_threshold
        confidence = round(max(probability, 0.5) if complete else probability, 4)
        return Decision(found, confidence, signals)

    def highlight(self, passages: list[Passage], query: Query) -> None:
        """Quote the sentences that best match; translations let a Korean question quote an
        English sentence by shared terms, embeddings decide when no term is shared."""
        settings = self.settings
        self.highlighter.highlight(
            passages,
            [*query.terms, *query.translations],
            query.raw_vector,
            settings.highlight_sentences,
            number_bonus=settings.highlight_number_bonus if asks_for_number(query.text) else 0,
            focus=question_focus(query),
            focus_bonus=settings.highlight_focus_bonus,
        )

    def search(
        self,
        question: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        *,
        method: str = "hybrid",
    ) -> list[Passage]:
        top_k = self.validate_top_k(self.settings.top_k if top_k is None else top_k)
        query = self.make_query(question, method=method)
        allowed = self.corpus.mask(filters or Filters())
        passages = self.passages(self.rank(query, allowed, method=method).hits, top_k)
        self.highlight(passages, query)
        return passages

    def answer(
        self, question: str, top_k: int | None = None, filters: Filters | None = None
    ) -> Answer:
        """Cited passages. When the engine judges that they do not answer the question,
        ``found`` is false and the passages are the closest ones, for a person to judge."""
        top_k = self.validate_top_k(self.settings.top_k if top_k is None else top_k)
        query = self.make_query(question)
        if not has_content(query.terms):
            return Answer(query.text, False, NO_CONTENT_MESSAGE, [], 0.0)
        allowed = self.corpus.mask(filters or Filters())
        ranking = self.rank(query, allowed)
        decision = self.decide(query, ranking, allowed)
        passages = self.passages(ranking.hits, top_k)
        self.highlight(passages, query)
        found = decision.found or not self.settings.abstain
        if not found:
            message = NOT_FOUND_MESSAGE if passages else NOTHING_RETRIEVED_MESSAGE
        else:
            message = f"Found {len(passages)} cited passages."
        return Answer(query.text, found, message, passages, decision.confidence)
