import numpy as np

from rag.embedding.encoder import Encoder
from rag.embedding.packing import PackedEncoder


def test_packed_vectors_equal_the_models_own(encoder: Encoder) -> None:
    texts = ["서울대병원이 보스턴에서 소개한 플랫폼은?", "심부전", "patients", "NSTRI"]
    assert encoder.packs_queries  # the self-check passed on the bundled model
    packed = encoder.encode_queries_together(texts)
    separate = encoder.encode_queries(texts)
    assert packed.shape == (4, 384) and packed.dtype == np.float32
    assert np.allclose(packed, separate, atol=1e-5)


def test_texts_past_the_window_are_not_packed(encoder: Encoder) -> None:
    packer = PackedEncoder.for_model(encoder.model, max_tokens=32)
    assert packer is not None
    assert packer.encode(["query: " + "word " * 12] * 2) is None  # 2 × ~15 tokens
    # The encoder then falls back to a padded batch, with the same vectors.
    long_texts = ["heart failure " * 200, "환자"]
    assert np.allclose(
        encoder.encode_queries_together(long_texts), encoder.encode_queries(long_texts), atol=1e-5
    )
