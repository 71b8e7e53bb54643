"""The answer path as explicit stages: prepare the question, rank, judge, cite.

The service (``api/``), the evaluation (``eval/``) and the benchmarks (``bench/``) all answer
through :func:`answer_query`, so that what eval and bench measure is the path that serves. A
:class:`Trace` records each stage's time and a summary of what it made (``/ask`` with
``"trace": true``, ``rag ask --trace``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.answer import (
    NO_CONTENT_MESSAGE,
    NOT_FOUND_MESSAGE,
    NOTHING_RETRIEVED_MESSAGE,
    OTHER_SCRIPT_MESSAGE,
    Answer,
    Passage,
    found_message,
)
from rag.config import QueryParams
from rag.judge import Decision
from rag.language import in_another_script
from rag.lexical.analyzer import has_content
from rag.reading import ReadOutcome, read_passages
from rag.retrieval.hybrid import Ranking
from rag.types import Query

if TYPE_CHECKING:
    from rag.engine import SearchEngine

STAGES = ("prepare", "rank", "judge", "cite", "read")
TRACED_HITS = 5  # first ranked chunks a trace lists


@dataclass
class StageRecord:
    stage: str
    ms: float
    output: dict[str, Any]


@dataclass
class Trace:
    """Each stage's time (milliseconds) and a summary of its output, in order."""

    stages: list[StageRecord] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        """Time the ``with`` block as stage ``name``; the block fills in the summary."""
        output: dict[str, Any] = {}
        started = time.perf_counter()
        try:
            yield output
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.stages.append(StageRecord(name, round(elapsed, 3), output))

    def to_list(self) -> list[dict[str, Any]]:
        return [asdict(record) for record in self.stages]


@dataclass
class Answered:
    """Everything the answer path made for one question, stage by stage."""

    query: Query
    ranking: Ranking | None  # None: the question had nothing to rank by
    decision: Decision | None  # None: a method that does not judge (the baselines)
    passages: list[Passage]
    answer: Answer
    read: ReadOutcome | None = None  # None: the reader did not run


def _untraced() -> Trace:
    return Trace()


def prepare(
    engine: SearchEngine,
    question: str,
    *,
    method: str = "hybrid",
    trace: Trace | None = None,
    params: QueryParams | None = None,
) -> Query:
    """The prepare stage: analysis, encoding and translation of one question."""
    with (trace or _untraced()).stage("prepare") as out:
        query = engine.make_query(question, method=method, params=params)
        out.update(
            lang=query.lang,
            terms=query.terms,
            translations=query.translations,
        )
        if query.corrections:
            out.update(corrections=query.corrections)
    return query


def answer_query(
    engine: SearchEngine,
    query: Query,
    top_k: int,
    allowed: np.ndarray | None = None,
    *,
    method: str = "hybrid",
    judged: bool = True,
    quoted: int | None = None,
    trace: Trace | None = None,
    params: QueryParams | None = None,
) -> Answered:
    """Rank, judge and cite a prepared query: ``top_k`` passages, the first ``quoted`` of
    them (all by default) with their best sentences quoted. Only ``hybrid`` is judged, and
    only when ``judged``; an answer not judged counts as found. ``params``: this request's
    (the engine's defaults when None)."""
    trace = trace or _untraced()
    params = params or engine.params
    judged = judged and method == "hybrid"
    if judged and not has_content(query.terms):
        message = OTHER_SCRIPT_MESSAGE if in_another_script(query.text) else NO_CONTENT_MESSAGE
        answer = Answer(query.text, False, message, [], 0.0)
        return Answered(query, None, Decision(False, 0.0), [], answer)
    with trace.stage("rank") as out:
        ranking = engine.rank(query, allowed, method=method, params=params)
        out["hits"] = [
            {"chunk_id": engine.corpus.chunks[hit.position].id, "score": round(hit.score, 6)}
            for hit in ranking.hits[:TRACED_HITS]
        ]
    decision = None
    if judged:
        with trace.stage("judge") as out:
            decision = engine.judge.decide(query, ranking, params, allowed)
            out.update(
                found=decision.found,
                confidence=decision.confidence,
                off_subject=decision.off_subject,
            )
            if decision.signals is not None:
                out["signals"] = decision.signals.to_dict()
    with trace.stage("cite") as out:
        passages = engine.passages(ranking.hits, top_k, params)
        engine.highlight(passages if quoted is None else passages[:quoted], query, params)
        out["passages"] = len(passages)
    read = None
    if params.reader and passages:
        with trace.stage("read") as out:
            read = read_passages(engine.reader(), query.text, query.lang, passages, params)
            if read is not None:
                out.update(margin=round(read.margin, 4), spans=read.spans, complete=read.complete)
    found = decision is None or decision.found or not params.abstain
    if read is not None and read.complete and params.abstain and judged:
        # The reader can only take an answer away: none of the first passages holds a span.
        found = found and read.margin >= params.reader_min_margin
    confidence = 1.0 if decision is None else decision.confidence
    # Too weak to be sure, not weak enough to hide, or seemingly off the corpus's subject:
    # cited, with a word of caution.
    off_subject = decision is not None and decision.off_subject
    uncertain = found and params.abstain and (confidence < params.caution_threshold or off_subject)
    if not found:
        message = NOT_FOUND_MESSAGE if passages else NOTHING_RETRIEVED_MESSAGE
    else:
        message = found_message(len(passages), uncertain, confidence, off_subject)
    answer = Answer(
        query.text,
        found,
        message,
        passages,
        confidence,
        uncertain=uncertain,
        corrections=dict(query.corrections),
    )
    return Answered(query, ranking, decision, passages, answer, read)
