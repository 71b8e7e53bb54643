"""Dense search over an index split into row shards, merged exactly.

A build's passages are cut into contiguous row ranges; each shard holds the centred vectors
of its rows in an exact (flat) FAISS index, wherever it runs (in this process, or a Ray Serve
replica: ``api.ray_serve``). A query goes to every shard at once, each returns its own top
``k`` with its rows' global positions, and the coordinator keeps the best ``k`` of their
union: the ``k`` best of all rows are among them, so the merge is exact, and the scores are
the same inner products the unsharded flat index computes, row by row.

What a shard needs travels as plain arrays (each search's vector and its filter's mask as
packed bits), so a shard can live in another process or on another machine. A round of
searches (a question's language partitions, then their feedback vectors) goes to a shard in
one call, which scores them in one pass over its rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from rag.retrieval.dense import DenseRetriever
from rag.types import Query, Scored
from rag.vectors import build_faiss_index

# A search as a shard receives it: the query vector and the shard's slice of the filter mask,
# packed (None: no filter); and what it answers: global positions and scores, best first.
ShardSearch = tuple[np.ndarray, np.ndarray | None]
ShardHits = tuple[np.ndarray, np.ndarray]


def shard_bounds(rows: int, shards: int) -> list[tuple[int, int]]:
    """``shards`` contiguous row ranges covering ``rows`` rows, sizes within one of another."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    edges = np.linspace(0, rows, shards + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges.tolist())]


def pack_mask(allowed: np.ndarray | None) -> np.ndarray | None:
    """A boolean row mask as bits (what crosses to a shard: an eighth of the bytes)."""
    return None if allowed is None else np.packbits(allowed, bitorder="little")


def unpack_mask(bits: np.ndarray | None, rows: int) -> np.ndarray | None:
    if bits is None:
        return None
    mask: np.ndarray = np.unpackbits(bits, count=rows, bitorder="little").astype(bool)
    return mask


class DenseShard:
    """Rows ``[start, start + len(vectors))`` of an index's centred vectors, searched exactly
    by a dense retriever of their own (the unsharded index's filtering and tie order)."""

    def __init__(self, centred: np.ndarray, start: int) -> None:
        self.start = start
        self.rows = len(centred)
        vectors = np.ascontiguousarray(centred, dtype=np.float32)
        self.retriever = DenseRetriever(build_faiss_index(vectors, "Flat"))

    def search(self, searches: Sequence[ShardSearch], k: int) -> list[ShardHits]:
        """Each search's ``k`` best allowed rows of this shard: (global positions, scores),
        best first. A search is a vector and this shard's slice of its filter mask, packed
        (``pack_mask``; None: no filter)."""
        found = self.retriever.search_each(
            [
                # asarray keeps one vector one object (searches of one vector share a pass)
                (Query("", "", vector=np.asarray(vector, np.float32)), unpack_mask(bits, self.rows))
                for vector, bits in searches
            ],
            k,
        )
        return [(hits.positions + self.start, hits.scores) for hits in found]


class PendingSearch(Protocol):
    """A shard's answers on their way (a future, a Ray Serve response)."""

    def result(self) -> list[ShardHits]: ...


class ShardClient(Protocol):
    """How the coordinator asks one shard: sends a round of searches and returns at once, so
    that all shards search at the same time."""

    start: int
    rows: int

    def submit(self, searches: Sequence[ShardSearch], k: int) -> PendingSearch: ...


class DenseShards(Protocol):
    """Where a build's dense shards are opened (``rag.parts.dense`` asks it when a build is
    served sharded): the shards of the dense part in ``folder``, for chunks of ``languages``."""

    def open(self, folder: Path, languages: np.ndarray) -> list[ShardClient]: ...


class LocalShardClient:
    """A shard in this process (tests, and the reference the remote ones are checked against)."""

    def __init__(self, shard: DenseShard) -> None:
        self.shard = shard
        self.start = shard.start
        self.rows = shard.rows

    def submit(self, searches: Sequence[ShardSearch], k: int) -> PendingSearch:
        done: Future[list[ShardHits]] = Future()
        done.set_result(self.shard.search(searches, k))
        return done


class LocalDenseShards:
    """Opens ``count`` shards of a build in this process, loaded by ``load`` (a folder, a row
    range and its languages to a shard: ``rag.parts.dense.load_dense_shard``)."""

    def __init__(self, count: int, load: Callable[[Path, int, int, np.ndarray], DenseShard]):
        self.count = count
        self.load = load

    def open(self, folder: Path, languages: np.ndarray) -> list[ShardClient]:
        return [
            LocalShardClient(self.load(folder, start, end, languages[start:end]))
            for start, end in shard_bounds(len(languages), self.count)
        ]


def merge_top(parts: Sequence[ShardHits], k: int) -> Scored:
    """The ``k`` best of the shards' hits, best first; ties by position, as one flat index."""
    merged = Scored.concatenate([Scored(p, s) for p, s in parts]).best_first()
    return Scored(merged.positions[:k], merged.scores[:k])


class ShardedDenseRetriever(DenseRetriever):
    """The dense retriever of a build whose vectors are searched by shards. It keeps what the
    ranking reads beside the search (the raw vectors, memory-mapped, for feedback and
    abstention; the language means queries are centred with) and holds no FAISS index."""

    def __init__(
        self,
        shards: Sequence[ShardClient],
        *,
        vectors: np.ndarray | None,
        means: dict[str, np.ndarray],
        centering: float,
    ) -> None:
        dimension = next(iter(means.values())).shape[0] if means else 1
        super().__init__(
            faiss.IndexFlatIP(dimension), vectors=vectors, means=means, centering=centering
        )
        self.shards = list(shards)
        self.factory = "Flat"  # every shard searches its rows exactly
        self._size = sum(shard.rows for shard in self.shards)

    @property
    def size(self) -> int:
        return self._size

    def search_each(
        self, searches: Sequence[tuple[Query, np.ndarray | None]], k: int
    ) -> list[Scored]:
        """Every search sent to every shard in one call each, then collected: one round trip
        for all."""
        asked = [i for i, (query, _) in enumerate(searches) if query.vector is not None]
        if not asked or self.size == 0:
            return [Scored.empty() for _ in searches]
        pending: list[tuple[list[int], PendingSearch]] = []
        for shard in self.shards:
            batch: list[ShardSearch] = []
            sent = []
            for i in asked:
                query, allowed = searches[i]
                assert query.vector is not None
                piece = None if allowed is None else allowed[shard.start : shard.start + shard.rows]
                if piece is None or piece.any():
                    batch.append((query.vector, pack_mask(piece)))
                    sent.append(i)
            if batch:
                pending.append((sent, shard.submit(batch, k)))
        parts: list[list[ShardHits]] = [[] for _ in searches]
        for sent, answer in pending:
            for i, hits in zip(sent, answer.result(), strict=True):
                parts[i].append(hits)
        return [merge_top(found, k) if found else Scored.empty() for found in parts]
