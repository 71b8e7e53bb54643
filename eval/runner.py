"""Run question sets against indexes of their own corpora, for several methods at once.

An index per (set, corpus, build settings) is built on first use under ``eval_index_dir`` and
reused afterwards. Methods that differ only in query-time settings share one index; a
variant that changes chunking gets its own.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from eval.datasets import SLIPS_SUFFIX, EvalQuestion, EvalSet
from eval.metrics import (
    answer_rank,
    document_ranking,
    mrr_at_k,
    ndcg_at_k,
    normalize_span,
    recall_at_k,
)
from eval.prepared import PreparedQueries
from index.builder import build_from_articles
from index.loader import load_build
from index.manifest import FORMAT_VERSION
from index.store import IndexStore
from index.term_cache import analysis_fingerprint
from rag.config import QueryParams, Settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.errors import IndexStoreError
from rag.judge import Decision
from rag.parts import build_settings
from rag.question_type import asks_for_number
from rag.reading import ReadOutcome
from rag.stages import answer_query
from rag.types import Query

# Settings baked into a build: how the corpus is cleaned and chunked, and every part's build
# parameters (rag.parts); changing one of them needs another index.
CORPUS_SETTINGS = (
    "model",
    "chunk_tokens",
    "chunk_overlap_tokens",
    "title_tokens",
    "title_prompt",
    "min_repeat_line_chars",
    "drop_earlier_article_lines",
)
BUILD_SETTINGS = tuple(sorted({*CORPUS_SETTINGS, *build_settings()}))
ANSWER_DEPTH = 20  # passages searched for an answer span
SHOWN_PASSAGES = 5  # the passages a person reads first, as answer-hit@5 counts them
SAMPLE_SEED = 13


@dataclass(frozen=True)
class Method:
    """A retrieval method: ``hybrid``, ``dense`` or ``bm25``, with optional setting overrides."""

    base: str
    overrides: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        if not self.overrides:
            return self.base
        return f"{self.base}[{','.join(f'{k}={v}' for k, v in self.overrides)}]"

    def settings(self, settings: Settings) -> Settings:
        return settings.but(**dict(self.overrides))


@dataclass
class QuestionResult:
    question_id: str
    method: str
    lang: str
    gold_lang: str
    answerable: bool
    ndcg10: float
    recall: dict[int, float]
    mrr10: float
    answer_rank: int | None
    has_answers: bool
    abstained: bool
    latency_ms: float
    quoted: bool = False  # the first passage's quoted sentence holds a gold answer span
    spanned: bool = False  # the reader's answer span in the first passage holds a gold answer
    reader_margin: float | None = None  # the reader's best margin, when it ran
    asks_number: bool = False  # the question asks for a quantity or a date (rag.question_type)
    # What the abstention model read (rag.abstention.FEATURES), for hybrid methods.
    features: list[float] | None = None
    confidence: float | None = None  # the answer's confidence (judged methods)
    uncertain: bool = False  # found, under the caution threshold or off subject (rag.stages)
    off_subject: bool = False  # the subject model took the question for one off the subject
    other_language_5: int = 0  # of the first five passages cited, those in another language

    @property
    def served_ndcg10(self) -> float:
        """nDCG@10 of what the service returns: a "not found" answer cites nothing."""
        return 0.0 if self.abstained else self.ndcg10

    @property
    def served_answer_rank(self) -> int | None:
        return None if self.abstained else self.answer_rank


@dataclass
class GoldRemovedResult:
    """An answerable question asked again with its gold documents left out of the index."""

    question_id: str
    method: str
    abstained: bool
    features: list[float] | None = None
    reader_margin: float | None = None
    confidence: float | None = None
    off_subject: bool = False


@dataclass
class SetResult:
    eval_set: EvalSet
    results: list[QuestionResult] = field(default_factory=list)
    build_seconds: dict[str, float] = field(default_factory=dict)
    gold_removed: list[GoldRemovedResult] = field(default_factory=list)


def _corpus_key(eval_set: EvalSet, settings: Settings, encoder: Encoder) -> str:
    digest = hashlib.sha256()
    for source in eval_set.corpus_inputs:
        path = Path(source)
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                stat = file.stat()
                digest.update(f"{file}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    build = {name: str(settings.value(name)) for name in BUILD_SETTINGS}
    vectors = encoder.build_fingerprint  # the weights, and bfloat16 where a build uses it
    digest.update(json.dumps([build, vectors, FORMAT_VERSION], sort_keys=True).encode())
    # What decides a text's terms (the analyzer's code and versions): an index analysed
    # otherwise than the questions are is another index.
    digest.update(analysis_fingerprint())
    return digest.hexdigest()[:12]


def engine_for(
    eval_set: EvalSet, settings: Settings, encoder: Encoder, *, progress: bool
) -> tuple[SearchEngine, float]:
    """The set's index (built on first use) and the seconds its build took (0 if cached)."""
    # Answer-span sets share their corpus (the news articles), hence one index for all of them.
    # A set asked with slips (``SET~slips``) is the same corpus: its set's index.
    label = "news" if eval_set.kind == "answers" else eval_set.name.removesuffix(SLIPS_SUFFIX)
    root = (
        settings.eval.eval_index_dir.expanduser()
        / f"{label}-{_corpus_key(eval_set, settings, encoder)}"
    )
    # Eval corpora are indexed as they are: every document of the qrels must stay.
    build_settings = settings.but(index_dir=root, drop_duplicates=False)
    store = IndexStore(root)
    seconds = 0.0
    if store.current() is None:
        started = time.perf_counter()
        build_from_articles(
            eval_set.articles,
            build_settings,
            encoder,
            inputs=eval_set.corpus_inputs,
            progress=progress,
        )
        seconds = time.perf_counter() - started
    folder = store.current()
    if folder is None:
        raise IndexStoreError(f"the evaluation index at {root} was not published")
    _, engine = load_build(folder, build_settings, encoder)
    return engine, seconds


def sample_questions(questions: Sequence[EvalQuestion], limit: int | None) -> list[EvalQuestion]:
    """A reproducible sample of ``limit`` questions (all when ``limit`` is None)."""
    if limit is None or limit >= len(questions):
        return list(questions)
    chosen = sorted(random.Random(SAMPLE_SEED).sample(range(len(questions)), limit))
    return [questions[i] for i in chosen]


def gold_removable(questions: Sequence[EvalQuestion], count: int) -> list[EvalQuestion]:
    """A reproducible sample of ``count`` answerable questions that name gold documents."""
    return sample_questions([q for q in questions if q.answerable and q.gold], count)


def fill_gold_from_answers(questions: Sequence[EvalQuestion], engine: SearchEngine) -> None:
    """Questions with an answer span but no gold ids: gold = the articles holding the span."""
    texts = {aid: normalize_span(a.text) for aid, a in engine.corpus.articles.items()}
    for question in questions:
        if question.gold or not question.answers:
            continue
        spans = [normalize_span(a) for a in question.answers]
        question.gold = {aid: 1 for aid, text in texts.items() if any(s in text for s in spans)}


def _gating_margin(read: ReadOutcome | None) -> float | None:
    """The reader's margin where it may say "not found" (it read every first passage)."""
    return read.margin if read is not None and read.complete else None


def _features(decision: Decision | None) -> list[float] | None:
    if decision is None or decision.signals is None:
        return None
    return [float(value) for value in decision.signals.vector()]


def _prepare(
    engine: SearchEngine, texts: list[str], params: QueryParams
) -> tuple[list[Query], float]:
    """The questions' queries, and the milliseconds each took to prepare."""
    started = time.perf_counter()
    queries = engine.make_queries(texts, params=params)
    return queries, (time.perf_counter() - started) * 1000 / max(len(texts), 1)


def _question_result(
    engine: SearchEngine,
    method: Method,
    question: EvalQuestion,
    query: Query,
    params: QueryParams,
    prep_ms: float,
    languages: dict[str, str],
) -> QuestionResult:
    """One question answered by ``method`` on the path that serves, citing deeper
    (answer-hit@k for k up to ANSWER_DEPTH), the first passage quoted as the service quotes
    it (quote@1)."""
    started = time.perf_counter()
    if method.base != "hybrid":  # the pure baselines get no translation terms
        query = replace(query, translations=[])
    answered = answer_query(
        engine, query, ANSWER_DEPTH, method=method.base, quoted=1, params=params
    )
    elapsed = (time.perf_counter() - started) * 1000 + prep_ms
    hits = answered.ranking.hits if answered.ranking is not None else []
    documents = document_ranking([engine.corpus.chunks[h.position].article_id for h in hits])
    passages, decision = answered.passages, answered.decision
    quoted = spanned = False
    if question.answers and passages:
        quote = " ".join(h.text for h in passages[0].highlights)
        quoted = answer_rank([quote], question.answers) == 1
        span = passages[0].answer
        spanned = span is not None and answer_rank([span.text], question.answers) == 1
    return QuestionResult(
        question_id=question.id,
        method=method.name,
        lang=question.lang,
        gold_lang=next((languages.get(d, "") for d in question.gold), ""),
        answerable=question.answerable,
        ndcg10=ndcg_at_k(documents, question.gold, 10),
        recall={k: recall_at_k(documents, question.gold, k) for k in (1, 5, 10, 20, 50, 100)},
        mrr10=mrr_at_k(documents, question.gold, 10),
        answer_rank=answer_rank([p.text for p in passages], question.answers),
        has_answers=bool(question.answers),
        abstained=decision is not None and not answered.answer.found,
        latency_ms=elapsed,
        quoted=quoted,
        spanned=spanned,
        reader_margin=_gating_margin(answered.read),
        asks_number=asks_for_number(question.text),
        features=_features(decision),
        confidence=None if decision is None else answered.answer.confidence,
        uncertain=answered.answer.uncertain,
        off_subject=decision is not None and decision.off_subject,
        other_language_5=sum(p.lang != query.lang for p in passages[:SHOWN_PASSAGES]),
    )


def _gold_removed_result(
    engine: SearchEngine, method: Method, question: EvalQuestion, query: Query, params: QueryParams
) -> GoldRemovedResult:
    """The question asked again with its gold articles left out of the index."""
    allowed = engine.corpus.without_articles(question.gold)
    # Cite as deep as the reader reads, when it does: it can say "not found".
    depth, quoted_count = (params.reader_passages, None) if params.reader else (1, 0)
    answered = answer_query(engine, query, depth, allowed, quoted=quoted_count, params=params)
    decision = answered.decision or Decision(False, 0.0)
    found = decision.found and answered.answer.found
    return GoldRemovedResult(
        question.id,
        method.name,
        not found,
        _features(decision),
        _gating_margin(answered.read),
        answered.answer.confidence,
        decision.off_subject,
    )


def run_set(
    eval_set: EvalSet,
    methods: Sequence[Method],
    settings: Settings,
    encoder: Encoder,
    *,
    limit: int | None = None,
    gold_removed: int = 0,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> SetResult:
    """Every method on the set's questions; with ``gold_removed``, hybrid methods also answer
    that many answerable questions again with their gold documents left out of the index."""
    questions = sample_questions(eval_set.questions, limit)
    outcome = SetResult(eval_set)
    engines: dict[str, SearchEngine] = {}
    prepared: PreparedQueries[tuple[list[Query], float]] = PreparedQueries()
    for method in methods:
        method_settings = method.settings(settings)
        build_key = json.dumps({k: str(method_settings.value(k)) for k in BUILD_SETTINGS})
        if build_key not in engines:
            engine, seconds = engine_for(eval_set, method_settings, encoder, progress=progress)
            outcome.build_seconds[method.name] = seconds
            fill_gold_from_answers(questions, engine)
            engines[build_key] = engine
        engine = engines[build_key]
        params = method_settings.query  # this method's, passed with each question
        (queries, prep_ms), new = prepared.get(
            build_key, params, partial(_prepare, engine, [q.text for q in questions])
        )
        if new:
            log(
                f"{eval_set.name}: {len(questions)} questions, {len(engine.corpus)} chunks, "
                f"query preparation {prep_ms:.1f} ms/question"
            )
        languages = {aid: a.lang or "" for aid, a in engine.corpus.articles.items()}
        for question, query in zip(questions, queries, strict=True):
            outcome.results.append(
                _question_result(engine, method, question, query, params, prep_ms, languages)
            )
        if method.base == "hybrid" and gold_removed:
            chosen = {id(q) for q in gold_removable(questions, gold_removed)}
            outcome.gold_removed.extend(
                _gold_removed_result(engine, method, question, query, params)
                for question, query in zip(questions, queries, strict=True)
                if id(question) in chosen
            )
    return outcome
