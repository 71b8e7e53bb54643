import itertools

import pytest

from rag.chunking import Chunker, ChunkingPlan
from rag.cleaning import clean_text
from rag.embedding.encoder import Encoder
from tests.conftest import SEED


@pytest.fixture(scope="module")
def chunker(encoder: Encoder) -> Chunker:
    plan = ChunkingPlan.for_model(
        chunk_tokens=64,
        overlap_tokens=16,
        model_max_tokens=encoder.max_tokens,
        reserved_tokens=encoder.overhead_tokens(),
    )
    return Chunker(plan, encoder.count_tokens)


def test_chunks_fit_the_budget_and_their_offsets_point_into_the_text(
    chunker: Chunker, encoder: Encoder
) -> None:
    text = clean_text(SEED.read_text(encoding="utf-8"))
    chunks = chunker.split("seed", text)
    assert len(chunks) > 3
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert encoder.count_tokens(chunk.text) <= 64
        assert chunk.lang == "ko"
    # consecutive chunks overlap (the overlap setting), and together they cover the text
    assert any(b.start < a.end for a, b in itertools.pairwise(chunks))
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


def test_korean_chunks_end_on_sentence_boundaries(chunker: Chunker) -> None:
    sentence = "서울대병원은 글로벌 데이터 플랫폼을 해외에 처음 선보였다."
    text = "".join(sentence for _ in range(12))  # no space after each period
    for chunk in chunker.split("k", text)[:-1]:
        assert chunk.text.endswith("다.")


def test_budget_reserves_room_for_prompt_and_title() -> None:
    plan = ChunkingPlan.for_model(
        chunk_tokens=600, overlap_tokens=400, model_max_tokens=512, reserved_tokens=40
    )
    assert plan.chunk_tokens == 472 and plan.overlap_tokens == 236
    with pytest.raises(ValueError):
        ChunkingPlan.for_model(
            chunk_tokens=10, overlap_tokens=0, model_max_tokens=8, reserved_tokens=4
        )
