"""The judge stage: whether a ranking answers its question (abstention), from what it reads
off the ranking (``rag.abstention``'s signals) and the fitted model (``rag/fitted``)."""

from __future__ import annotations

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
from rag.config import QueryParams
from rag.corpus import Corpus
from rag.retrieval.hybrid import HybridRanker, Ranking
from rag.types import Query


@dataclass(frozen=True)
class Decision:
    """Whether the ranking holds an answer, how sure the judge is (0..1), and the signals it
    read (None when nothing was retrieved)."""

    found: bool
    confidence: float
    signals: AnswerSignals | None = None
    # The subject model takes the question for one off the corpus's subject: an answer found
    # is then marked uncertain (never hidden for it).
    off_subject: bool = False


class Judge:
    def __init__(self, ranker: HybridRanker, corpus: Corpus) -> None:
        self.ranker = ranker
        self.corpus = corpus

    @staticmethod
    def model(params: QueryParams) -> AbstentionModel:
        return AbstentionModel(tuple(params.abstain_weights), params.abstain_bias)

    def signals(
        self,
        query: Query,
        ranking: Ranking,
        params: QueryParams,
        allowed: np.ndarray | None = None,
    ) -> AnswerSignals | None:
        """What the abstention model reads off a ranking; None when nothing was retrieved.

        ``allowed``: the filter mask the ranking was made under. The best passage of a
        filtered ranking is compared with the unfiltered dense candidates, since a passage
        that stands out among a handful of filtered ones may not stand out at all."""
        evidence = ranking.evidence
        if not len(evidence):
            return None
        bm25, dense = self.ranker.bm25, self.ranker.dense
        best = evidence.positions[: params.abstain_passages].tolist()
        top, first = best[0], int(ranking.ranked.positions[0])
        similarity, standout = 0.0, 0.0
        pool = ranking.dense if allowed is None else ranking.unfiltered_dense
        if pool is None:  # a dense or BM25 ranking under a filter
            pool = self.ranker.dense_candidates(query, params)
        candidates = sorted(set(pool.positions.tolist()) | {top})
        rows = dense.rows(candidates)
        chunks = self.corpus.chunks
        if query.raw_vector is not None and rows is not None:
            # Raw model similarities: unlike centred ones, they do not depend on the corpus mix.
            scores = rows @ query.raw_vector
            similarity = float(scores[candidates.index(top)])
            standout = standardized_top(scores.tolist(), similarity)
        coverage, rarest_missing = term_coverage(query.concepts, best, bm25.contains, bm25.idf)
        lexical_miss = 0.0
        if chunks[first].lang == query.lang:
            _, lexical_miss = term_coverage(query.concepts, [first], bm25.contains, bm25.idf)
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
            unknown_share=unknown_share(query.concepts, lambda term: bm25.held(term, allowed)),
        )

    def decide(
        self,
        query: Query,
        ranking: Ranking,
        params: QueryParams,
        allowed: np.ndarray | None = None,
    ) -> Decision:
        signals = self.signals(query, ranking, params, allowed)
        if signals is None:
            return Decision(False, 0.0)
        probability = self.model(params).probability(signals)
        # Every concept of the question, its rarest included, is in a passage that stands out:
        # lexical evidence a short question ("NSTRI는 무엇인가요?") cannot show in similarity.
        # Coverage weighs concepts by their IDF, which a word the corpus never holds does not
        # have: such a concept must count as missing (in a one-article corpus every known
        # word is in the article, so coverage alone would call any question complete).
        complete = (
            signals.coverage >= 1.0
            and signals.rarest_missing == 0.0
            and signals.unknown_share == 0.0
            and signals.standout >= params.abstain_full_match_standout
        )
        found = complete or probability >= params.abstain_threshold
        confidence = round(max(probability, 0.5) if complete else probability, 4)
        subject = AbstentionModel(tuple(params.subject_weights), params.subject_bias)
        off_subject = not complete and subject.probability(signals) < params.subject_threshold
        return Decision(found, confidence, signals, off_subject)
