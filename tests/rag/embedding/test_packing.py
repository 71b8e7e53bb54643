import numpy as np

from rag.embedding.encoder import Encoder
from rag.embedding.packing import PackedEncoder


def test_packed_vectors_equal_the_models_own(torch_encoder: Encoder) -> None:
    texts = ["서울대병원이 보스턴에서 소개한 플랫폼은?", "심부전", "patients", "NSTRI"]
    assert torch_encoder.packs_queries  # the self-check passed on the bundled model
    packed = torch_encoder.encode_queries_together(texts)
    separate = torch_encoder.encode_queries(texts)
    assert packed.shape == (4, 384) and packed.dtype == np.float32
    assert np.allclose(packed, separate, atol=1e-5)


def test_texts_past_the_window_are_packed_into_several_windows(torch_encoder: Encoder) -> None:
    packer = PackedEncoder.for_model(torch_encoder.model, max_tokens=32)
    assert packer is not None
    texts = ["query: " + "word " * 12, "query: 환자", "query: heart failure " * 3] * 2
    packed = packer.encode(texts)  # each fits 32 tokens, all together do not
    own = torch_encoder.model.encode(texts, normalize_embeddings=True)
    assert packed.shape == (6, 384) and np.allclose(packed, own, atol=1e-5)


def test_a_text_longer_than_the_model_window_is_truncated_as_the_model_does(
    torch_encoder: Encoder,
) -> None:
    texts = ["heart failure " * 300, "환자"]  # ~600 tokens: cut at 512 both ways
    assert np.allclose(
        torch_encoder.encode_queries_together(texts), torch_encoder.encode_queries(texts), atol=1e-5
    )
