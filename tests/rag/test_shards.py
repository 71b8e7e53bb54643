"""Dense search in row shards, merged: the same passages in the same order as one index."""

from __future__ import annotations

import numpy as np
import pytest

from index.builder import BuildResult
from index.loader import load_build
from rag.config import Settings
from rag.corpus import Filters
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.parts.dense import load_dense_shard
from rag.retrieval.shards import (
    DenseShard,
    LocalDenseShards,
    ShardedDenseRetriever,
    merge_top,
    pack_mask,
    shard_bounds,
    unpack_mask,
)
from rag.types import Query

# Asked of the session's index (the seed, Korean science news, English health news), in both
# languages and across them.
QUESTIONS = [
    "what did the hospital show in Boston?",
    "서울대병원이 보스턴에서 소개한 플랫폼은?",
    "how much do drugs cost older Americans?",
    "미국 노인들의 약값 부담",
    "new battery materials research",
    "인공지능으로 신약을 찾는 연구",
    "vaccine side effects in children",
]


def test_bounds_cover_every_row_once() -> None:
    for rows, count in [(10, 3), (7, 7), (5, 8), (0, 2), (1000, 4)]:
        bounds = shard_bounds(rows, count)
        assert len(bounds) == count
        covered = [r for start, end in bounds for r in range(start, end)]
        assert covered == list(range(rows))
        sizes = [end - start for start, end in bounds]
        assert max(sizes) - min(sizes) <= 1
    with pytest.raises(ValueError, match="at least 1"):
        shard_bounds(10, 0)


def test_mask_round_trips_as_bits() -> None:
    mask = np.random.default_rng(0).random(1001) < 0.3
    bits = pack_mask(mask)
    assert bits is not None and len(bits) == 126
    restored = unpack_mask(bits, len(mask))
    assert restored is not None and (restored == mask).all()
    assert pack_mask(None) is None


def test_merge_keeps_the_best_k_ties_by_position() -> None:
    first = (np.array([0, 3]), np.array([0.9, 0.5]))
    second = (np.array([7, 5]), np.array([0.7, 0.5]))
    merged = merge_top([first, second], 3)
    assert merged.positions.tolist() == [0, 7, 3]
    assert merged.scores.tolist() == [0.9, 0.7, 0.5]


@pytest.fixture(scope="module", params=[2, 3])
def sharded(
    request: pytest.FixtureRequest, settings: Settings, encoder: Encoder, built: BuildResult
) -> SearchEngine:
    shards = LocalDenseShards(request.param, load_dense_shard)
    _, engine = load_build(built.folder, settings, encoder, dense_shards=shards)
    assert isinstance(engine.dense, ShardedDenseRetriever)
    assert len(engine.dense.shards) == request.param
    return engine


def test_sharded_dense_search_equals_one_index(engine: SearchEngine, sharded: SearchEngine) -> None:
    languages = engine.corpus.chunk_languages()
    english = np.asarray(languages) == "en"
    for question in QUESTIONS:
        query = engine.make_query(question)
        for allowed in (None, english, ~english):
            one = engine.dense.search(query, 50, allowed)
            split = sharded.dense.search(query, 50, allowed)
            assert len(one) == min(50, len(languages) if allowed is None else int(allowed.sum()))
            assert split.positions.tolist() == one.positions.tolist()
            assert np.array_equal(split.scores, one.scores)  # the same inner products


def test_sharded_answers_equal_one_index(engine: SearchEngine, sharded: SearchEngine) -> None:
    """Through the whole answer path (ranking, feedback, abstention, citing), filters too."""
    for question in QUESTIONS:
        for filters in (None, Filters(lang="ko")):
            one = engine.answer(question, 5, filters).to_dict()
            split = sharded.answer(question, 5, filters).to_dict()
            assert one["passages"], question
            assert split == one


def test_no_allowed_row_finds_nothing(sharded: SearchEngine) -> None:
    query = Query("x", "en", vector=np.ones(sharded.dense.means["en"].shape, np.float32))
    nothing = np.zeros(sharded.dense.size, dtype=bool)
    assert len(sharded.dense.search(query, 10, nothing)) == 0


def test_a_round_of_searches_goes_to_each_shard_in_one_call(
    engine: SearchEngine, sharded: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question ranked in its two language partitions: each shard is asked twice (the
    partitions, then their feedback vectors), each call carrying the round's searches that
    keep rows of the shard."""
    assert isinstance(sharded.dense, ShardedDenseRetriever)
    calls: list[tuple[int, int]] = []  # (shard start, searches in the call)
    for shard in sharded.dense.shards:
        submit = shard.submit

        def counted(searches, k, submit=submit, start=shard.start):  # type: ignore[no-untyped-def]
            calls.append((start, len(searches)))
            return submit(searches, k)

        monkeypatch.setattr(shard, "submit", counted)
    params = sharded.params.but(min_partition_chunks=1)  # Korean and English ranked apart
    one = engine.answer(QUESTIONS[1], 5, params=params).to_dict()
    assert sharded.answer(QUESTIONS[1], 5, params=params).to_dict() == one
    partitions = sharded.ranker.partitions(params)
    assert len(partitions) == 2
    for shard in sharded.dense.shards:
        rows = slice(shard.start, shard.start + shard.rows)
        holding = sum(bool(mask[rows].any()) for mask in partitions)
        assert [size for start, size in calls if start == shard.start] == [holding, holding]


def test_a_shards_searches_of_one_vector_share_its_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.retrieval import dense

    vectors = np.random.default_rng(8).standard_normal((1000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    shard = DenseShard(vectors, start=2000)
    passes: list[int] = []
    inner_products = dense._inner_products

    def counted(block: np.ndarray, vector: np.ndarray) -> np.ndarray:
        passes.append(len(block))
        return inner_products(block, vector)

    monkeypatch.setattr(dense, "_inner_products", counted)
    first = np.random.default_rng(9).random(1000) < 0.4
    first[3] = True
    vector = vectors[3]  # one object, as a round's searches of one question send it
    found = shard.search([(vector, pack_mask(first)), (vector, pack_mask(~first))], 5)
    assert passes == [1000]  # both partitions from one pass over the shard's rows
    assert found[0][0][0] == 2003 and found[0][1][0] == pytest.approx(1.0, abs=1e-6)
    assert all(not first[p - 2000] for p in found[1][0])
