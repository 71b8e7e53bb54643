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


class _MinHash:
    def __init__(self, permutations: int, shingle_words: int) -> None:
        rng = np.random.default_rng(_SEED)
        self.a = rng.integers(1, int(_PRIME), size=permutations, dtype=np.uint64)
        self.b = rng.integers(0, int(_PRIME), size=permutations, dtype=np.uint64)
        self.shingle_words = shingle_words

    def signature(self, text: str) -> np.ndarray:
        shingles = _shingle_hashes(_normalized_words(text), self.shingle_words)
        # (a*x + b) mod p over 61-bit prime; uint64 wrap-around keeps it a universal hash.
        signature: np.ndarray = ((np.outer(shingles, self.a) + self.b) % _PRIME).min(axis=0)
        return signature


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
    finder = DuplicateFinder(
        threshold=threshold, permutations=permutations, shingle_words=shingle_words
    )
    for identifier, text in zip(ids, texts, strict=True):
        finder.add(identifier, text)
    return finder.duplicates()


class DuplicateFinder:
    """:func:`find_duplicates` over articles given one at a time: it keeps a digest and a
    MinHash signature per article (about a kilobyte), never the text, so a corpus larger
    than memory can be screened before it is chunked."""

    def __init__(self, *, threshold: float, permutations: int, shingle_words: int) -> None:
        self.threshold = threshold
        self.permutations = permutations
        self._hashes = _MinHash(permutations, shingle_words)
        self._exact: list[Duplicate] = []
        self._kept_ids: list[str] = []
        self._signatures: list[np.ndarray] = []
        self._first_by_digest: dict[bytes, str] = {}

    def add(self, article_id: str, text: str) -> None:
        digest = self.digest(text)
        if self._is_new(article_id, digest) and self.threshold < 1.0:
            self._signatures.append(self._hashes.signature(text))

    def add_hashed(self, article_id: str, digest: bytes, signature: np.ndarray) -> None:
        """:meth:`add` with the text's :meth:`digest` and :meth:`signature` made elsewhere
        (by the workers of a distributed build)."""
        if self._is_new(article_id, digest) and self.threshold < 1.0:
            self._signatures.append(signature)

    @staticmethod
    def digest(text: str) -> bytes:
        return hashlib.sha1(" ".join(_normalized_words(text)).encode()).digest()

    def signature(self, text: str) -> np.ndarray:
        return self._hashes.signature(text)

    def _is_new(self, article_id: str, digest: bytes) -> bool:
        first = self._first_by_digest.get(digest)
        if first is not None:
            self._exact.append(Duplicate(article_id, first, 1.0))
            return False
        self._first_by_digest[digest] = article_id
        self._kept_ids.append(article_id)
        return True

    def duplicates(self) -> list[Duplicate]:
        """Every duplicate found: exact copies in the order met, then near copies."""
        duplicates = list(self._exact)
        if len(self._kept_ids) < 2 or self.threshold >= 1.0:
            return duplicates
        signatures = np.vstack(self._signatures)
        owner = _near_copy_owners(signatures, self.threshold, self.permutations)
        for position, first in sorted(owner.items()):
            similarity = float(np.mean(signatures[position] == signatures[first]))
            duplicates.append(
                Duplicate(self._kept_ids[position], self._kept_ids[first], round(similarity, 3))
            )
        return duplicates


def _near_copy_owners(
    signatures: np.ndarray, threshold: float, permutations: int
) -> dict[int, int]:
    """Row -> row of its group's first article, for every row that is a near copy of an
    earlier one (locality-sensitive hashing over signature bands proposes, the estimated
    Jaccard similarity decides)."""
    bands = _bands_for(threshold, permutations)
    rows = permutations // bands
    owner: dict[int, int] = {}
    for band in range(bands):
        buckets: dict[bytes, int] = {}
        block = signatures[:, band * rows : (band + 1) * rows]
        for position in range(len(signatures)):
            if position in owner:
                continue
            key = block[position].tobytes()
            first = buckets.setdefault(key, position)
            if first == position or first in owner:
                continue
            similarity = float(np.mean(signatures[position] == signatures[first]))
            if similarity >= threshold:
                owner[position] = first
    return owner
