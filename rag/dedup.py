"""Exact and near-duplicate articles (wire copies) across a corpus.

Each article is reduced to its set of word n-gram shingles and a MinHash signature of it;
locality-sensitive hashing over signature bands proposes candidate pairs, whose estimated
Jaccard similarity decides. The first article of a group is kept, the others are recorded.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_PRIME = np.uint64((1 << 61) - 1)
_SEED = 20241107  # fixed, so that the same corpus always gives the same groups


@dataclass(frozen=True)
class Duplicate:
    article_id: str
    duplicate_of: str
    similarity: float  # 1.0 for an exact copy


_WORD = re.compile(r"\w+")


def _normalized_words(text: str) -> list[str]:
    """Lowercased words without punctuation: copies that differ in commas still match."""
    return _WORD.findall(text.lower())


def _shingle_hashes(words: list[str], size: int) -> np.ndarray:
    if len(words) <= size:
        grams = [" ".join(words)]
    else:
        grams = [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
    return np.unique(np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64))


def minhash_signatures(
    texts: Sequence[str], *, permutations: int, shingle_words: int
) -> np.ndarray:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, int(_PRIME), size=permutations, dtype=np.uint64)
    b = rng.integers(0, int(_PRIME), size=permutations, dtype=np.uint64)
    signatures = np.empty((len(texts), permutations), dtype=np.uint64)
    for row, text in enumerate(texts):
        shingles = _shingle_hashes(_normalized_words(text), shingle_words)
        # (a*x + b) mod p over 61-bit prime; uint64 wrap-around keeps it a universal hash.
        signatures[row] = ((np.outer(shingles, a) + b) % _PRIME).min(axis=0)
    return signatures


def _bands_for(threshold: float, permutations: int) -> int:
    """Band count whose LSH S-curve midpoint (1/b)^(1/r) sits just below ``threshold``."""
    best, best_gap = 1, float("inf")
    for bands in range(1, permutations + 1):
        if permutations % bands:
            continue
        rows = permutations // bands
        midpoint = (1 / bands) ** (1 / rows)
        gap = threshold - midpoint
        if 0 < gap < best_gap:
            best, best_gap = bands, gap
    return best


def find_duplicates(
    ids: Sequence[str],
    texts: Sequence[str],
    *,
    threshold: float,
    permutations: int,
    shingle_words: int,
) -> list[Duplicate]:
    """Duplicates of earlier articles: exact copies first, then MinHash near-copies."""
    duplicates: list[Duplicate] = []
    kept: list[int] = []
    first_by_digest: dict[str, int] = {}
    for index, text in enumerate(texts):
        digest = hashlib.sha1(" ".join(_normalized_words(text)).encode()).hexdigest()
        if digest in first_by_digest:
            duplicates.append(Duplicate(ids[index], ids[first_by_digest[digest]], 1.0))
        else:
            first_by_digest[digest] = index
            kept.append(index)
    if len(kept) < 2 or threshold >= 1.0:
        return duplicates

    signatures = minhash_signatures(
        [texts[i] for i in kept], permutations=permutations, shingle_words=shingle_words
    )
    bands = _bands_for(threshold, permutations)
    rows = permutations // bands
    owner: dict[int, int] = {}  # kept position -> kept position of its group's first article
    for band in range(bands):
        buckets: dict[bytes, int] = {}
        block = signatures[:, band * rows : (band + 1) * rows]
        for position in range(len(kept)):
            if position in owner:
                continue
            key = block[position].tobytes()
            first = buckets.setdefault(key, position)
            if first == position or first in owner:
                continue
            similarity = float(np.mean(signatures[position] == signatures[first]))
            if similarity >= threshold:
                owner[position] = first
    for position, first in sorted(owner.items()):
        similarity = float(np.mean(signatures[position] == signatures[first]))
        duplicates.append(Duplicate(ids[kept[position]], ids[kept[first]], round(similarity, 3)))
    return duplicates
