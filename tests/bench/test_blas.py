import os

from threadpoolctl import threadpool_info

from bench.blas import THREADS, measure
from rag.config import Settings
from rag.embedding.blas import SPINNING_LAYER
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine

QUESTIONS = ["what is NSTRI?", "서울대병원이 보스턴에서 소개한 플랫폼은?"]


def _spinning_threads() -> set[object]:
    return {
        pool["num_threads"]
        for pool in threadpool_info()
        if pool.get("threading_layer") == SPINNING_LAYER
    }


def test_each_blas_setting_times_the_encoding_and_the_answer_path(
    engine: SearchEngine, encoder: Encoder, settings: Settings
) -> None:
    figures = measure(engine, encoder, QUESTIONS, rounds=1, settle_s=0)
    assert list(figures) == list(THREADS)
    for times in figures.values():
        assert list(times) == ["bare encoding", "prepare", "answer"]
        assert 0 < times["prepare"] < times["answer"]
        assert times["bare encoding"] > 0
    # Each block's limit is lifted after it: the process keeps the encoder's setting.
    assert _spinning_threads() == {settings.encoder.numpy_blas_threads or (os.cpu_count() or 1)}
