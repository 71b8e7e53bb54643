"""Deciding whether the retrieved passages answer the question at all.

The best dense score alone does not separate answerable from unanswerable questions (E5
scores sit in a narrow band for anything on topic). The decision combines signals that each
fail differently:
- ``similarity``: raw cosine of the question and the evidence passage (the one that stands
  out most within its language partition);
- ``standout``: how far that passage stands above the other dense candidates (z-score);
- ``coverage``: the IDF-weighted share of the question's terms (translations included) that
  the best passages contain;
- ``rarest_missing``: whether the question's rarest term is missing from those passages;
- ``cross``: the evidence passage is in the other language (lexical signals then say little);
- ``agreement``: the evidence passage and the first passage of the merged ranking come from
  one article. When the best of a partition is not the best overall, neither stands out;
- ``lexical_miss``: the first passage is in the question's language and lacks the question's
  rarest term. Within one language a passage that answers nearly always repeats the rarest
  word of its question (a name, a drug, an acronym); across languages the check says nothing;
- ``missing_year``: the question names a year that the first passage (text and title) does
  not. A year is written the same in every language, so this checks a detail the encoder
  blurs ("insulin prices in 2019" against a story on 2017 prices) across languages too;
- ``unknown_share``: the share of the question's concepts (a term with its translations) that
  no searchable passage holds at all. A question about something the corpus never mentions
  (a country, a programme, a drug) names it; a filter that leaves out every passage naming
  it counts the same.
A logistic model over these features gives the probability that the corpus answers; the
service abstains below ``abstain_threshold`` unless the best passages hold every concept of the
question, none of them a word the corpus never holds, and stand out (a complete lexical match).
``eval/abstention.py`` fits the weights.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from rag.types import concept_weight

FEATURES = (
    "similarity",
    "standout",
    "coverage",
    "rarest_missing",
    "cross",
    "agreement",
    "lexical_miss",
    "missing_year",
    "unknown_share",
)

# A four-digit year from 1800 to 2099 that is not part of a longer number.
YEAR = re.compile(r"(?<!\d)(?:18|19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class AnswerSignals:
    similarity: float
    standout: float
    coverage: float
    rarest_missing: float
    cross: float
    agreement: float
    lexical_miss: float
    missing_year: float
    unknown_share: float

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURES], dtype=np.float64)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def missing_year(question: str, passage: str) -> float:
    """1 if the question names a year that the passage does not, else 0."""
    return float(any(year not in passage for year in set(YEAR.findall(question))))


def unknown_share(concepts: Sequence[set[str]], searchable: Callable[[str], bool]) -> float:
    """Share of ``concepts`` none of whose terms a searchable passage holds (0 without any)."""
    if not concepts:
        return 0.0
    unknown = sum(1 for concept in concepts if not any(searchable(t) for t in concept))
    return unknown / len(concepts)


def term_coverage(
    concepts: Sequence[set[str]],
    passages: Sequence[int],
    contains: Callable[[str, int], bool],
    idf: Mapping[str, float],
) -> tuple[float, float]:
    """Coverage of a question's concepts by its best passages.

    A concept is one question term with its translations; it is covered by a passage that
    holds any of them (``contains(term, passage)``), and weighs its rarest known term's IDF.
    Returns (IDF-weighted share covered by the best-covering passage, 1 if the rarest concept
    is in none of the passages). Concepts no indexed passage holds are left out.
    """
    weights = [concept_weight(c, idf) for c in concepts]
    known = [(c, w) for c, w in zip(concepts, weights, strict=True) if w > 0]
    if not known or not passages:
        return 0.0, 1.0
    covered = [[any(contains(t, p) for t in c) for c, _ in known] for p in passages]
    total = sum(w for _, w in known)
    coverage = max(
        sum(w for (_, w), hit in zip(known, row, strict=True) if hit) / total for row in covered
    )
    rarest = max(range(len(known)), key=lambda i: known[i][1])
    missing = 0.0 if any(row[rarest] for row in covered) else 1.0
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
