"""numpy's spinning BLAS threads are limited once an encoder exists; FAISS's are not."""

from __future__ import annotations

import os

import faiss  # noqa: F401  (its OpenBLAS loaded, to be told apart from numpy's)
from threadpoolctl import ThreadpoolController, threadpool_info

from rag.config import Settings
from rag.embedding.blas import SPINNING_LAYER, limit_numpy_blas
from rag.embedding.encoder import Encoder


def _pools() -> list[dict[str, object]]:
    return [info for info in threadpool_info() if info["user_api"] == "blas"]


def test_an_encoder_limits_numpy_blas_to_the_setting(encoder: Encoder, settings: Settings) -> None:
    spinning = [p for p in _pools() if p.get("threading_layer") == SPINNING_LAYER]
    assert spinning, "numpy's wheel ships OpenBLAS on pthreads: there is a pool to limit"
    # 0 leaves numpy's default, a thread a core.
    expected = settings.encoder.numpy_blas_threads or (os.cpu_count() or 1)
    assert {p["num_threads"] for p in spinning} == {expected}
    assert any("numpy" in str(p["filepath"]) for p in spinning)


def test_faiss_keeps_its_openmp_blas_threads() -> None:
    def others() -> list[object]:
        return [p["num_threads"] for p in _pools() if p.get("threading_layer") != SPINNING_LAYER]

    before = others()
    assert before, "FAISS's OpenBLAS runs on OpenMP"
    spinning = ThreadpoolController().select(threading_layer=SPINNING_LAYER)
    with spinning.limit(limits=2):  # numpy's limit as it was comes back after the block
        assert limit_numpy_blas.__wrapped__(1) >= 1  # uncached: it runs again
        assert others() == before


def test_zero_leaves_the_pools_alone() -> None:
    spinning = ThreadpoolController().select(threading_layer=SPINNING_LAYER)
    with spinning.limit(limits=2):
        assert limit_numpy_blas.__wrapped__(0) == 0
        assert {
            p["num_threads"] for p in _pools() if p.get("threading_layer") == SPINNING_LAYER
        } == {2}
