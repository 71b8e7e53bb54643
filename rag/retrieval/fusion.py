"""Reciprocal rank fusion: rankings in, one ranking out, robust to incomparable score scales."""

from __future__ import annotations

from collections.abc import Sequence

from rag.retrieval.base import Hit


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hit]], weights: Sequence[float], *, k: int
) -> list[Hit]:
    """Weighted RRF (Cormack et al. 2009): ``score(d) = sum_r w_r / (k + rank_r(d))``."""
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking")
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if weight == 0:
            continue
        for rank, hit in enumerate(ranking, start=1):
            fused[hit.position] = fused.get(hit.position, 0.0) + weight / (k + rank)
    order = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
    return [Hit(position, score) for position, score in order]
