import numpy as np

from rag.embedding.encoder import Encoder


def test_provisioned_model_embeds_in_384_dimensions_with_prompts(encoder: Encoder) -> None:
    assert encoder.dimension == 384 and encoder.max_tokens == 512
    assert encoder.query_prompt == "query" and encoder.passage_prompt == "document"
    vectors = encoder.encode_passages(["hello", "안녕"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_tokenizer_is_the_xlmr_sentencepiece(encoder: Encoder) -> None:
    tokenizer = encoder.tokenizer
    assert tokenizer("Hello world")["input_ids"] == [0, 35378, 8999, 2]
    assert tokenizer.convert_ids_to_tokens(tokenizer("서울대병원")["input_ids"])[0] == "<s>"


def test_cross_lingual_similarity_ranks_the_translation_first(encoder: Encoder) -> None:
    query = encoder.encode_queries(["What did the hospital present in Boston?"])[0]
    passages = encoder.encode_passages(
        [
            "서울대병원은 보스턴에서 글로벌 데이터 플랫폼을 선보였다.",
            "지카바이러스가 남성의 생식능력을 저하시킨다.",
            "삼성전자가 새 스마트폰 특허를 출원했다.",
        ]
    )
    scores = passages @ query
    assert int(np.argmax(scores)) == 0
