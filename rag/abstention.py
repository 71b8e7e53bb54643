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
- ``unknown``: the share of the question's terms that no indexed passage contains at all;
- ``cross``: the best passage is in the other language (lexical signals then say little).
A logistic model over these features gives the probability that the corpus answers; the
service abstains below ``abstain_threshold`` unless the best passages hold every concept of the
question and stand out (a complete lexical match). ``eval/abstention.py`` fits the weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

FEATURES = ("similarity", "standout", "coverage", "rarest_missing", "unknown", "cross")


@dataclass(frozen=True)
class AnswerSignals:
    similarity: float
    standout: float
    coverage: float
    rarest_missing: float
    unknown: float
    cross: float

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURES], dtype=np.float64)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def term_coverage(
    concepts: Sequence[set[str]],
    passages: Sequence[int],
    contains: Callable[[str, int], bool],
    idf: Mapping[str, float],
) -> tuple[float, float, float]:
    """Coverage of a question's concepts by its best passages.

    A concept is one question term with its translations; it is covered by a passage that
    holds any of them (``contains(term, passage)``), and weighs its rarest known term's IDF.
    Returns (IDF-weighted share covered by the best-covering passage, 1 if the rarest concept
    is in none of the passages, share of concepts that no indexed passage contains at all).
    """
    if not concepts:
        return 0.0, 1.0, 0.0
    weights = [max((idf[t] for t in c if t in idf), default=0.0) for c in concepts]
    unknown = sum(1 for w in weights if w == 0.0) / len(concepts)
    known = [(c, w) for c, w in zip(concepts, weights, strict=True) if w > 0]
    if not known or not passages:
        return 0.0, 1.0, unknown
    covered = [[any(contains(t, p) for t in c) for c, _ in known] for p in passages]
    total = sum(w for _, w in known)
    coverage = max(
        sum(w for (_, w), hit in zip(known, row, strict=True) if hit) / total for row in covered
    )
    rarest = max(range(len(known)), key=lambda i: known[i][1])
    missing = 0.0 if any(row[rarest] for row in covered) else 1.0
    return coverage, missing, unknown


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
