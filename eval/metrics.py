"""Retrieval metrics computed the standard (trec_eval / BEIR / MTEB) way.

Document-level metrics take the passage ranking, keep each document's first (best) passage,
and score the resulting document ranking: nDCG@k with linear gains (graded relevance),
recall@k and MRR@k. Answer-hit@k is passage-level: one of the first k passages contains a gold
answer span after whitespace normalization.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def document_ranking(passage_documents: Sequence[str]) -> list[str]:
    """Documents in order of their best passage, each once."""
    seen: set[str] = set()
    ranking = []
    for document in passage_documents:
        if document not in seen:
            seen.add(document)
            ranking.append(document)
    return ranking


def ndcg_at_k(ranking: Sequence[str], gold: Mapping[str, int], k: int) -> float:
    dcg = sum(gold.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranking[:k]))
    ideal = sorted((g for g in gold.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranking: Sequence[str], gold: Mapping[str, int], k: int) -> float:
    relevant = {doc for doc, grade in gold.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at_k(ranking: Sequence[str], gold: Mapping[str, int], k: int) -> float:
    for rank, doc in enumerate(ranking[:k], start=1):
        if gold.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def normalize_span(text: str) -> str:
    return " ".join(text.split())


def answer_rank(passages: Sequence[str], answers: Sequence[str]) -> int | None:
    """1-based rank of the first passage containing an answer span, or None."""
    spans = [normalize_span(a) for a in answers if a.strip()]
    for rank, passage in enumerate(passages, start=1):
        text = normalize_span(passage)
        if any(span in text for span in spans):
            return rank
    return None


def answer_hit_at_k(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")
