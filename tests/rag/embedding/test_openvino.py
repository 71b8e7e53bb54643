"""OpenVINO on the ONNX export: ONNX Runtime's vectors at float32, within bfloat16's rounding
at bf16, new widths prepared at load, and the weights' pages not held after compiling."""

from __future__ import annotations

import mmap
import re
from pathlib import Path

import numpy as np
import pytest

from index.builder import BuildResult
from index.loader import load_build
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.embedding.onnx import ONNX_DATA_FILE, OPENVINO_WIDTH_STEP, onnx_path
from rag.embedding.openvino import OpenVinoSession, release_mapped_pages

TEXTS = ["서울대병원이 보스턴에서 소개한 플랫폼은?", "insulin prices", "heart failure " * 300]
WORDS = ["서울대병원이 보스턴에서 소개한 플랫폼은?", "심부전", "patients", "NSTRI"]


@pytest.fixture(scope="module")
def onnxruntime_encoder(encoder: Encoder) -> Encoder:
    """The session's encoder: questions, and texts encoded without a build's progress bar,
    on ONNX Runtime (its build backend is bfloat16's)."""
    assert encoder.backend == "onnx" and encoder.build_backend == "openvino-bf16"
    return encoder


@pytest.fixture(scope="module", params=["openvino", "openvino-bf16"])
def openvino_encoder(request: pytest.FixtureRequest, settings: Settings) -> Encoder:
    backend = str(request.param)
    return Encoder(settings.but(encoder_backend=backend, build_encoder_backend=backend))


def _least_cosine(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape and a.dtype == b.dtype == np.float32
    return float(np.min(np.sum(a * b, axis=1)))


def test_openvino_gives_onnx_runtimes_vectors_within_its_precision(
    openvino_encoder: Encoder, onnxruntime_encoder: Encoder
) -> None:
    # bfloat16 keeps 8 bits of each product's factors (sums in float32): about 1e-5 of cosine.
    tolerance = 1e-4 if openvino_encoder.backend.endswith("bf16") else 1e-6
    for encode in ("encode_queries", "encode_passages"):
        ours = getattr(openvino_encoder, encode)(TEXTS)
        theirs = getattr(onnxruntime_encoder, encode)(TEXTS)
        assert _least_cosine(ours, theirs) > 1 - tolerance
    assert openvino_encoder.packs_queries
    packed = openvino_encoder.encode_queries_together(WORDS)
    assert _least_cosine(packed, onnxruntime_encoder.encode_queries(WORDS)) > 1 - tolerance
    # A build's batches, with a progress bar, run on the build backend too.
    counted: list[int] = []
    built = openvino_encoder.encode_passages(TEXTS, progress=counted.append)
    assert sum(counted) == len(TEXTS)
    assert _least_cosine(built, onnxruntime_encoder.encode_passages(TEXTS)) > 1 - tolerance
    assert set(openvino_encoder._exports) == {openvino_encoder.backend}


def test_widths_are_rounded_for_openvino_only(
    openvino_encoder: Encoder, onnxruntime_encoder: Encoder
) -> None:
    assert openvino_encoder._onnx is not None and onnxruntime_encoder._onnx is not None
    assert openvino_encoder._onnx.width_step == OPENVINO_WIDTH_STEP > 1
    assert onnxruntime_encoder._onnx.width_step == 1
    ids, mask = openvino_encoder._onnx.tokenizer.pad([[5, 6, 7], [5] * 9], OPENVINO_WIDTH_STEP)
    assert ids.shape == mask.shape == (2, 2 * OPENVINO_WIDTH_STEP)
    assert mask.sum(axis=1).tolist() == [3, 9]
    # Never past the model's window (a window that is no multiple of the step).
    tokenizer = openvino_encoder._onnx.tokenizer
    window, tokenizer.max_tokens = tokenizer.max_tokens, 510
    try:
        assert tokenizer.pad([[5] * 505], OPENVINO_WIDTH_STEP)[0].shape == (1, 510)
    finally:
        tokenizer.max_tokens = window
    # The padding changes no vector: a text alone and beside a longer one are the same.
    alone = openvino_encoder.encode_queries(["insulin"])
    beside = openvino_encoder.encode_queries(["insulin", "heart failure " * 4])[:1]
    assert _least_cosine(alone, beside) > 1 - 1e-5


def test_the_session_index_is_served_by_openvino_as_by_onnx_runtime(
    built: BuildResult, settings: Settings, encoder: Encoder, openvino_encoder: Encoder
) -> None:
    _, by_default = load_build(built.folder, settings, encoder)
    _, by_openvino = load_build(built.folder, settings, openvino_encoder)  # the probe passes
    question = "서울대병원이 보스턴에서 소개한 플랫폼은?"
    assert by_openvino.search(question, 1)[0].chunk_id == by_default.search(question, 1)[0].chunk_id


def _resident_kib(path: Path) -> int:
    """KiB of ``path`` this process holds in memory, over its mappings of it."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            inside = line.endswith(" " + str(path.resolve()))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def test_compiling_leaves_few_pages_of_the_weights_file_held(openvino_encoder: Encoder) -> None:
    weights = onnx_path(Path(openvino_encoder.path)).parent / ONNX_DATA_FILE
    assert weights.stat().st_size > 400 * 2**20
    # Compiling reads all of the 470 MB; what it leaves held is little. (Runs hold the pages
    # they touch: other models of this process may hold many, hence a difference.)
    before = _resident_kib(weights)
    session = OpenVinoSession(onnx_path(Path(openvino_encoder.path)))
    assert session.input_names
    assert _resident_kib(weights) - before < 100 * 2**10


def test_released_pages_are_read_again_from_the_file(tmp_path: Path) -> None:
    data = tmp_path / "weights.bin"
    data.write_bytes(np.arange(2**20, dtype=np.int32).tobytes())  # 4 MiB
    with data.open("rb") as handle, mmap.mmap(handle.fileno(), 0, prot=mmap.PROT_READ) as mapped:
        first = bytes(mapped)  # touches every page
        assert _resident_kib(data) >= 4 * 2**10
        assert release_mapped_pages(data) >= 4 * 2**20
        assert _resident_kib(data) == 0
        assert bytes(mapped) == first  # read again from the file
    assert release_mapped_pages(data) == 0  # no mapping left


def test_bfloat16_builds_are_cached_apart_from_float32_ones(
    openvino_encoder: Encoder, encoder: Encoder, settings: Settings
) -> None:
    from index.cache import EmbeddingCache

    float32 = openvino_encoder.build_backend == "openvino"  # the same vectors, one cache
    if float32:
        assert openvino_encoder.build_fingerprint == openvino_encoder.fingerprint
    else:
        assert openvino_encoder.build_fingerprint == f"{openvino_encoder.fingerprint}-bf16"
    # The session's encoder builds in bfloat16 (the default).
    assert encoder.build_fingerprint == f"{encoder.fingerprint}-bf16"
    ours = EmbeddingCache.for_encoder(settings, openvino_encoder, "passage")
    theirs = EmbeddingCache.for_encoder(settings, encoder, "passage")
    try:
        assert (ours.key("환자") == theirs.key("환자")) == (not float32)
    finally:
        ours.close()
        theirs.close()
