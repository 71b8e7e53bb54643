"""Deciding whether the retrieved passages answer the question at all.

The best dense score alone does not separate answerable from unanswerable questions (E5
scores sit in a narrow band for anything on topic). The decision combines signals that each
fail differently:
- ``similarity``: cosine of the question and the best passage;
- ``standout``: how far that passage stands above the other dense candidates (z-score);
- ``coverage``: the IDF-weighted share of the question's terms (translations included) that
  the best passages contain, so a question about insulin prices in Germany is not answered by
  a passage about insulin prices in the US;
- ``rarest_missing``: whether the question's rarest term is missing from those passages;
- ``cross``: the best passage is in the other language (lexical signals then say little).
A logistic model over these features gives the probability that the corpus answers; the
service abstains below ``abstain_threshold``. ``eval/abstention.py`` fits the weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

FEATURES = ("similarity", "standout", "coverage", "rarest_missing", "cross")


@dataclass(frozen=True)
class AnswerSignals:
    similarity: float
    standout: float
    coverage: float
    rarest_missing: float
    cross: float

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURES], dtype=np.float64)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def term_coverage(
    query_terms: Sequence[str], passage_terms: Sequence[set[str]], idf: Mapping[str, float]
) -> tuple[float, float]:
    """(IDF-weighted share of query terms found in the best passage, rarest term missing?)."""
    weights = {t: idf[t] for t in set(query_terms) if t in idf}
    if not weights or not passage_terms:
        return 0.0, 1.0
    total = sum(weights.values())
    coverage = max(
        sum(w for t, w in weights.items() if t in terms) / total for terms in passage_terms
    )
    rarest = max(weights, key=lambda t: weights[t])
    missing = 0.0 if any(rarest in terms for terms in passage_terms) else 1.0
    return coverage, missing


def standardized_top(scores: Sequence[float], value: float) -> float:
    if len(scores) < 2:
        return 0.0
    array = np.asarray(scores, dtype=np.float64)
    spread = float(array.std())
    return (value - float(array.mean())) / spread if spread > 1e-9 else 0.0


@dataclass(frozen=True)
class AbstentionModel:
    weights: tuple[float, ...]
    bias: float

    def probability(self, signals: AnswerSignals) -> float:
        logit = float(np.dot(self.weights, signals.vector())) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))
