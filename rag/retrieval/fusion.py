"""Fusion of rankings: reciprocal rank fusion, and convex combination of standardized scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.types import Scored


def reciprocal_rank_fusion(
    rankings: Sequence[Scored], weights: Sequence[float], *, k: int
) -> Scored:
    """Weighted RRF (Cormack et al. 2009): ``score(d) = sum_r w_r / (k + rank_r(d))``."""
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking")
    used = [(r, w) for r, w in zip(rankings, weights, strict=True) if w != 0 and len(r)]
    if not used:
        return Scored.empty()
    union = np.unique(np.concatenate([r.positions for r, _ in used]))
    fused = np.zeros(len(union), dtype=np.float64)
    for ranking, weight in used:
        ranks = np.arange(1, len(ranking) + 1, dtype=np.float64)
        np.add.at(fused, np.searchsorted(union, ranking.positions), weight / (k + ranks))
    return Scored(union, fused).best_first()


def _standardized(
    ranking: Scored, depth: int, pad: float | None
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """z-scores of a ranking's hits over its first ``depth`` scores:
    (positions, their z-scores, top z, floor).

    A ranking shorter than ``depth`` (BM25 returns only documents sharing a term) is padded
    with ``pad`` before the statistics are taken, so that one strong match stands out as it
    should instead of being its own mean.
    """
    positions, scores = ranking.positions[:depth], ranking.scores[:depth]
    padded = scores
    if pad is not None and len(scores) < depth:
        padded = np.concatenate([scores, np.full(depth - len(scores), pad)])
    if len(padded) == 0:
        return positions, scores, 0.0, 0.0
    mean, spread = float(padded.mean()), float(padded.std())
    spread = spread if spread > 1e-9 else 1.0
    z = (scores - mean) / spread
    floor = (float(padded.min()) - mean) / spread
    top = float(z.max()) if len(z) else 0.0
    return positions, z, top, floor


def zscore_fusion(
    rankings: Sequence[Scored],
    weights: Sequence[float],
    *,
    depth: int,
    pads: Sequence[float | None],
    adaptive: bool = True,
) -> Scored:
    """Convex combination of per-ranking z-scores (Bruch et al. 2023, "TM2C2"-style).

    With ``adaptive`` each ranking's weight is also scaled by how far its best hit stands above
    its own distribution (its top z-score): a retriever that is sure of its first hit counts for
    more on this query. A hit missing from a ranking gets that ranking's lowest score.
    """
    if not (len(rankings) == len(weights) == len(pads)):
        raise ValueError("one weight and one pad per ranking")
    standardized = [_standardized(r, depth, p) for r, p in zip(rankings, pads, strict=True)]
    effective = []
    for weight, (positions, _, top, _) in zip(weights, standardized, strict=True):
        confidence = max(top, 0.0) if adaptive else 1.0
        effective.append(weight * confidence if len(positions) else 0.0)
    total = sum(effective)
    if total <= 0:  # no ranking is confident: fall back to the static weights
        effective = [w if len(s[0]) else 0.0 for w, s in zip(weights, standardized, strict=True)]
        total = sum(effective) or 1.0
    union = np.unique(np.concatenate([s[0] for s in standardized]))
    fused = np.zeros(len(union), dtype=np.float64)
    for weight, (positions, z, _, floor) in zip(effective, standardized, strict=True):
        if weight == 0:
            continue
        column = np.full(len(union), floor)
        column[np.searchsorted(union, positions)] = z
        fused += (weight / total) * column
    return Scored(union, fused).best_first()
