"""Phrase terms for a third BM25: each pair of neighbouring analyzer terms.

Unigram BM25 cannot tell apart two passages that share a question's words, such as sibling
pages of one report or paragraphs of one encyclopedia entry: both hold 평양, 개최 and 1989. A
question written from, or about, one of them tends to repeat its word pairs (평양 개최, "insulin
price"), and a pair is far rarer than either word. Pairs are made of the BM25 terms in text
order (stop words, particles and endings already dropped), so 평양에서 개최된 and 평양 개최 give
the same pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

# Joins a pair's two terms; analyzer terms hold no spaces.
PAIR_SEPARATOR = " "


def phrase_terms(terms: Sequence[str]) -> list[str]:
    """Every pair of neighbouring terms, as one term each."""
    return [f"{first}{PAIR_SEPARATOR}{second}" for first, second in pairwise(terms)]
