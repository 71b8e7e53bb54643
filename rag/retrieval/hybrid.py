"""Hybrid ranking: dense and BM25 candidates fused per language, then merged across languages.

A corpus in several languages is ranked one language partition at a time: each partition's
dense and BM25 hits are fused on that partition's own score distribution, so that evidence in
the minority language (a few Korean articles among thousands of English ones) is judged
against its peers instead of being crowded out. A language with fewer than
``min_partition_chunks`` chunks joins the largest partition.

Fused scores are relative to their partition (the best hit of any partition stands out), so
partitions are merged on fused score plus the question's raw cosine with each passage, lifted
by ``cross_language_offset`` for passages in another language than the question: the encoder
scores a cross-lingual answer about that much lower than a same-language one. Without it the
best passage of an off-topic partition would rank with the best of the right one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from rag.config import QueryParams
from rag.lexical.bm25 import BM25Retriever
from rag.retrieval.dense import DenseRetriever
from rag.retrieval.fusion import reciprocal_rank_fusion, zscore_fusion
from rag.retrieval.sentence_match import SentenceMatcher
from rag.types import FusedRanking, Hits, Query, Scored

METHODS = ("hybrid", "dense", "bm25")


@dataclass
class Ranking:
    """A final ranking with the per-retriever rankings it came from.

    ``within_partitions`` orders the same hits by their fused score within their own language
    partition, before the partitions were put on one scale: its first hit is the passage that
    stands out most among its peers, which is what the abstention model reads (None: the
    same as ``ranked``). Hit lists are made on first use: most requests read a few hits.
    """

    ranked: Scored
    dense: Scored
    bm25: Scored
    within_partitions: Scored | None = None
    # Under a filter: every partition's dense candidates with no filter (``dense_candidates``),
    # searched with the filtered ones in one round; what the judge compares the best with.
    unfiltered_dense: Scored | None = None

    @cached_property
    def hits(self) -> Hits:
        return Hits(self.ranked)

    @property
    def evidence(self) -> Scored:
        return self.ranked if self.within_partitions is None else self.within_partitions


def language_partitions(languages: np.ndarray, min_chunks: int) -> list[np.ndarray]:
    """Boolean masks, one per language big enough to be ranked on its own."""
    if len(languages) == 0:
        return []
    names, counts = np.unique(languages, return_counts=True)
    large = [str(n) for n, c in zip(names, counts, strict=True) if c >= min_chunks]
    if len(large) < 2:
        return [np.ones(len(languages), dtype=bool)]
    largest = str(names[int(np.argmax(counts))])
    masks = []
    for lang in large:
        if lang == largest:  # small languages ride along with the largest one
            masks.append(~np.isin(languages, [x for x in large if x != largest]))
        else:
            masks.append(languages == lang)
    return masks


class HybridRanker:
    def __init__(
        self,
        dense: DenseRetriever,
        bm25: BM25Retriever,
        languages: np.ndarray,
        rankings: Sequence[FusedRanking] = (),
        sentences: SentenceMatcher | None = None,
    ) -> None:
        """``rankings``: the index's other fused rankings (``rag.parts``), in fusion order."""
        self.dense = dense
        self.bm25 = bm25
        self.rankings = list(rankings)
        self.sentences = sentences
        self.languages = languages
        self._own_language: dict[str, tuple[np.ndarray, bool]] = {}
        self._partitions: dict[int, list[np.ndarray]] = {}

    def partitions(self, params: QueryParams) -> list[np.ndarray]:
        """The language partitions under ``params`` (made once per partition size)."""
        size = params.min_partition_chunks
        if size not in self._partitions:
            self._partitions[size] = language_partitions(self.languages, size)
        return self._partitions[size]

    def ranking(self, name: str) -> FusedRanking | None:
        """The fused ranking called ``name``, if the index has it."""
        return next((r for r in self.rankings if r.name == name), None)

    def own_language(self, lang: str) -> tuple[np.ndarray, bool]:
        """The mask of chunks in ``lang`` and whether it covers every chunk (made once)."""
        if lang not in self._own_language:
            mask = self.languages == lang
            self._own_language[lang] = (mask, bool(mask.all()))
        return self._own_language[lang]

    def fuse(
        self, dense: Scored, bm25: Scored, others: Sequence[Scored], params: QueryParams
    ) -> Scored:
        """Fusion of the dense, BM25 and other rankings (``others``: in ``rankings`` order)."""
        rankings = [dense, bm25, *others]
        weights = [
            params.dense_weight,
            params.bm25_weight,
            *(r.weight(params) for r in self.rankings),
        ]
        if params.fusion == "rrf":
            return reciprocal_rank_fusion(rankings, weights, k=params.rrf_k)
        # BM25 lists only passages sharing a term; the rest of its depth scores zero.
        return zscore_fusion(
            rankings,
            weights,
            depth=params.candidates,
            pads=[None, 0.0, *(r.pad for r in self.rankings)],
        )

    def feedback_query(self, query: Query, fused: Scored, params: QueryParams) -> Query | None:
        """The query moved towards the mean vector of the best fused passages (Rocchio)."""
        count = params.feedback_passages
        if count == 0 or query.vector is None:
            return None
        positions = fused.positions[:count].tolist()
        rows = self.dense.rows(positions)
        if rows is None:
            return None
        # Feedback happens where the index searches: among centred vectors.
        centroid = self.dense.center(rows, [str(self.languages[p]) for p in positions]).mean(axis=0)
        vector = query.vector + params.feedback_weight * centroid
        return replace(query, vector=(vector / np.linalg.norm(vector)).astype(np.float32))

    def calibrate(
        self,
        query: Query,
        fused: Scored,
        params: QueryParams,
        bm25_scores: np.ndarray | None = None,
    ) -> Scored:
        """Fused hits of several partitions on one scale: plus their weighted raw cosine,
        lifted by the cross-language offset in another language than the question's (only
        where the passage shares a term with the question, by ``bm25_scores``, if so set)."""
        weight = params.merge_similarity_weight
        if query.raw_vector is None or weight == 0 or not len(fused):
            return fused
        rows = self.dense.rows(fused.positions.tolist())
        if rows is None:
            return fused
        cross = self.languages[fused.positions] != query.lang
        if params.cross_language_offset_needs_term and bm25_scores is not None:
            # A passage that shares not even a translated word with a question is no
            # cross-lingual answer to it, however close the encoder puts them: the encoder
            # places any short question near much of the other language's text.
            cross &= bm25_scores[fused.positions] > 0
        similarity = rows @ query.raw_vector + params.cross_language_offset * cross
        return Scored(fused.positions, fused.scores + weight * similarity.astype(np.float64))

    def own_language_lead(self, query: Query, merged: Scored, params: QueryParams) -> Scored:
        """The merged ranking with a passage in the question's language first, unless the
        best passage in another language beats it by ``lead_margin`` on the merged score;
        when the question's language leads, the other languages' passages lose
        ``lead_demotion``, and those that hold less of the question than the lead (less
        ``lead_coverage_slack``) follow every other passage (``lead_uncovered_follow``).

        The best passage of a partition stands out within it whether or not it is on the
        question's subject, so an off-topic partition's best can top the merge by a little;
        a passage in the other language must win clearly to lead. A partition that did not
        win the lead holds the question's subject less than the one that did, so its passages
        follow the leader's unless they beat them by the demotion."""
        margin = params.lead_margin
        if len(merged) < 2 or margin <= 0:
            return merged
        own = self.languages[merged.positions] == query.lang
        if not own.any():
            return merged
        best_own = int(np.argmax(own))
        if (
            not own[0]
            and merged.scores[0] - merged.scores[best_own] >= margin
            and self._holds_as_much(query, merged, 0, best_own, params)
        ):
            return merged
        scores = merged.scores - params.lead_demotion * ~own
        if params.lead_uncovered_follow and self.sentences is not None:
            # Below every other passage, in their own order: the lead shows what the question
            # is about, and a passage that holds much less of it is no answer beside it.
            below = self._holding_less(query, merged, best_own, ~own, params)
            scores[below] -= float(np.ptp(scores)) + 1.0
        scores[best_own] = merged.scores[0]  # it leads, with the lead's score
        rest = np.delete(np.arange(len(merged)), best_own)
        order = np.r_[best_own, rest[np.argsort(-scores[rest], kind="stable")]]
        return Scored(merged.positions[order], scores[order])

    def _holding_less(
        self, query: Query, merged: Scored, lead: int, others: np.ndarray, params: QueryParams
    ) -> np.ndarray:
        """Which passages of ``merged``, among those in ``others`` (a mask) in its first
        ``sentence_rerank_depth``, hold less of the question's concepts than the passage at
        ``lead``, less ``lead_coverage_slack``."""
        assert self.sentences is not None
        head = np.flatnonzero(others[: params.sentence_rerank_depth])
        out = np.zeros(len(merged), dtype=bool)
        if not len(head):
            return out
        held = self.sentences.passage_coverage(
            query, [int(merged.positions[lead]), *(int(merged.positions[i]) for i in head)]
        )
        out[head] = held[1:] < held[0] - params.lead_coverage_slack
        return out

    def _holds_as_much(
        self, query: Query, merged: Scored, lead: int, rival: int, params: QueryParams
    ) -> bool:
        """Whether the passage at ``lead`` in ``merged`` (in another language than the
        question's) holds as much of the question's concepts, its terms or their translations,
        as the one at ``rival`` (the best in the question's language), less
        ``lead_coverage_slack`` (translations cover a question only in part). Only this way
        round: the other way, a Korean title's words held through translations by English
        passages took the lead from their own article (``python -m eval.keywords``)."""
        slack = params.lead_coverage_slack
        if slack >= 1 or self.sentences is None:
            return True
        held, rival_held = self.sentences.passage_coverage(
            query, [int(merged.positions[lead]), int(merged.positions[rival])]
        )
        return bool(held >= rival_held - slack)

    def dense_candidates(self, query: Query, params: QueryParams) -> Scored:
        """The dense candidates of every partition with no filter: what a filtered ranking's
        best passage is compared with to tell whether it stands out."""
        return Scored.concatenate(
            self.dense.search_many(query, params.candidates, self.partitions(params))
        )

    def _fuse_partition(
        self,
        query: Query,
        allowed: np.ndarray | None,
        prepared: Sequence[Any | None],
        params: QueryParams,
        dense: Scored,
        bm25_scores: np.ndarray | None,
    ) -> _PartitionFusion:
        """A partition's rankings fused, before feedback (``dense``: its dense hits)."""
        depth = params.candidates
        bm25 = self.bm25.search(query, depth, allowed, scores=bm25_scores)
        own, everything = self.own_language(query.lang)
        same = own if allowed is None else allowed & own
        own_mask = allowed if everything else same  # no mask to apply where nothing is left out
        others = []
        for ranking, ready in zip(self.rankings, prepared, strict=True):
            mask = own_mask if ranking.own_language_only else allowed
            if ready is None or (ranking.own_language_only and not same.any()):
                others.append(Scored.empty())
            else:
                others.append(ranking.search_prepared(query, depth, mask, ready))
        fused = self.fuse(dense, bm25, others, params)
        return _PartitionFusion(allowed, dense, bm25, others, bool(same.any()), fused)

    def _finish_partition(
        self, query: Query, part: _PartitionFusion, params: QueryParams, feedback: Scored | None
    ) -> tuple[Scored, Scored, Scored]:
        """A partition's final ranking, dense and BM25 hits, given its feedback search's hits
        (None: no feedback)."""
        dense, fused = part.dense, part.fused
        if feedback is not None:
            dense = feedback
            fused = self.fuse(dense, part.bm25, part.others, params)
        if self.sentences is not None:
            # In a partition of another language the share counts translations, which cover a
            # question only in part: a complete match is rare there, and is not asked for.
            own = part.own_language
            power = params.sentence_share_power if own else params.sentence_cross_power
            fused = self.sentences.rerank(
                query,
                fused,
                params.sentence_rerank_depth,
                params.sentence_weight,
                power,
            )
        return fused, dense, part.bm25

    def rank(
        self, query: Query, allowed: np.ndarray | None, method: str, params: QueryParams
    ) -> Ranking:
        depth = params.candidates
        if method == "dense":
            dense = self.dense.search(query, depth, allowed)
            return Ranking(dense, dense, Scored.empty())
        if method == "bm25":
            bm25 = self.bm25.search(query, depth, allowed)
            return Ranking(bm25, Scored.empty(), bm25)
        # Like BM25's, the other rankings' scores are computed once for all partitions.
        prepared = [ranking.prepare(query, params) for ranking in self.rankings]
        partitions = self.partitions(params)
        single = len(partitions) == 1
        bm25_scores = None if single else self.bm25.query_scores(query)  # one for all
        masks: list[np.ndarray | None] = [allowed]
        if not single:
            kept = [p if allowed is None else p & allowed for p in partitions]
            masks = [mask for mask in kept if mask.any()]
        # The dense searches of a question go in two rounds, each one pass over an exact
        # index's rows and one round trip to a sharded one: the partitions (and, under a
        # filter, the unfiltered candidates the judge reads), then every feedback vector.
        pool = [] if allowed is None else partitions
        found = self.dense.search_many(query, depth, [*masks, *pool])
        denses, unfiltered = found[: len(masks)], found[len(masks) :]
        fusions = [
            self._fuse_partition(query, mask, prepared, params, dense, bm25_scores)
            for mask, dense in zip(masks, denses, strict=True)
        ]
        expanded = [self.feedback_query(query, part.fused, params) for part in fusions]
        again = iter(
            self.dense.search_each(
                [
                    (moved, part.allowed)
                    for moved, part in zip(expanded, fusions, strict=True)
                    if moved is not None
                ],
                depth,
            )
        )
        parts = [
            self._finish_partition(query, part, params, None if moved is None else next(again))
            for moved, part in zip(expanded, fusions, strict=True)
        ]
        pooled = Scored.concatenate(unfiltered) if pool else None
        if single:
            return Ranking(*parts[0], unfiltered_dense=pooled)
        within, dense, bm25 = (Scored.concatenate([part[i] for part in parts]) for i in range(3))
        return Ranking(
            self.own_language_lead(
                query, self.calibrate(query, within, params, bm25_scores).best_first(), params
            ),
            dense.best_first(),
            bm25.best_first(),
            within.best_first(),
            pooled,
        )


@dataclass
class _PartitionFusion:
    """A partition's rankings and their fusion before feedback."""

    allowed: np.ndarray | None
    dense: Scored
    bm25: Scored
    others: list[Scored]
    own_language: bool  # whether the partition holds passages in the question's language
    fused: Scored
