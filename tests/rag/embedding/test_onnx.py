"""The ONNX Runtime backend: exported offline beside the weights, the same vectors as
PyTorch, and indexes refused when the serving encoder would not reproduce their vectors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from index.builder import BuildResult
from index.loader import load_build
from rag.config import Settings
from rag.config.encoder import EncoderSettings
from rag.embedding.encoder import Encoder
from rag.embedding.onnx import (
    EXPORT_FORMAT,
    EXPORT_RECORD_FILE,
    ONNX_DATA_FILE,
    ONNX_DIR,
    TOKENIZER_FILE,
    FastTokenizer,
    OnnxModel,
    export_format,
    length_batches,
    onnx_compatible,
    onnx_path,
)
from rag.embedding.packing import pack_windows
from rag.errors import IncompatibleIndexError
from rag.parts.dense import PROBE_FILE
from tests.conftest import ENGLISH_NEWS, KOREAN_NEWS

TEXTS = ["서울대병원이 보스턴에서 소개한 플랫폼은?", "insulin prices", "heart failure " * 300]


def test_the_default_backend_is_the_onnx_export_beside_the_weights(encoder: Encoder) -> None:
    folder = Path(encoder.path)
    assert encoder.backend == "onnx" and onnx_path(folder).is_file()
    assert onnx_path(folder).parent.name == ONNX_DIR
    # The weights lie in their own file, which ONNX Runtime maps instead of reading.
    weights = onnx_path(folder).parent / ONNX_DATA_FILE
    assert weights.stat().st_size > 100 * onnx_path(folder).stat().st_size
    assert onnx_compatible(folder) is None
    assert encoder.packs_queries  # the export takes positions and attention pairs
    # Each of the 12 layers' attention is one fused operator (what makes the export fast).
    record = json.loads((onnx_path(folder).parent / EXPORT_RECORD_FILE).read_text())
    assert record["format"] == EXPORT_FORMAT == export_format(folder)
    assert record["fused_operators"]["Attention"] == 12


def test_onnx_and_torch_give_the_same_vectors_and_fingerprint(
    encoder: Encoder, torch_encoder: Encoder
) -> None:
    for encode in ("encode_queries", "encode_passages"):
        ours = getattr(encoder, encode)(TEXTS)
        theirs = getattr(torch_encoder, encode)(TEXTS)
        assert ours.shape == theirs.shape == (3, 384) and ours.dtype == np.float32
        assert float(np.min(np.sum(ours * theirs, axis=1))) > 0.99999
    # The export is not part of the weights' identity: indexes and the cache are shared.
    assert encoder.fingerprint == torch_encoder.fingerprint
    assert encoder.max_tokens == torch_encoder.max_tokens == 512
    assert encoder.count_tokens("서울대병원") == torch_encoder.count_tokens("서울대병원")


def test_a_question_and_its_words_packed_in_one_pass_are_their_own_vectors(
    encoder: Encoder, torch_encoder: Encoder
) -> None:
    texts = ["서울대병원이 보스턴에서 소개한 플랫폼은?", "심부전", "patients", "NSTRI"]
    packed = encoder.encode_queries_together(texts)
    assert packed.shape == (4, 384) and packed.dtype == np.float32
    assert np.allclose(packed, encoder.encode_queries(texts), atol=1e-5)
    assert float(np.min(np.sum(packed * torch_encoder.encode_queries(texts), axis=1))) > 0.99999
    # Past the window: cut at 512 tokens like the model's own encoding, in a row of its own.
    texts = ["heart failure " * 300, "환자", *TEXTS[:2]]
    assert np.allclose(
        encoder.encode_queries_together(texts), encoder.encode_queries(texts), atol=1e-5
    )


def test_packed_texts_that_do_not_fit_one_window_fill_several_rows(encoder: Encoder) -> None:
    model = OnnxModel(Path(encoder.path), max_tokens=32)
    texts = ["query: " + "word " * 12, "query: 환자", "query: heart failure " * 3] * 2
    assert model.packs
    # Each fits 32 tokens, all together do not: the pass has rows of different lengths.
    lengths = [len(ids) for ids in model.tokenizer.window_ids(texts)]
    rows = pack_windows(lengths, 32)
    assert max(lengths) <= 32 < sum(lengths) and len(rows) > 1
    assert len({sum(lengths[n] for n in row) for row in rows}) > 1
    assert np.allclose(model.encode_packed(texts), model.encode(texts, 8), atol=1e-5)


def test_the_onnx_tokenizer_counts_as_transformers_does(
    encoder: Encoder, torch_encoder: Encoder
) -> None:
    # Token counts decide where a build cuts its chunks: one token more for a trailing space
    # (what the raw tokenizer.json of XLM-R gives) moved autorag-ko's chunk boundaries.
    texts = ["passage: ", "query: ", "trailing   ", "hello  world ", " x\t y\n\nz ", *TEXTS]
    for text in texts:
        ours, theirs = encoder.tokenizer(text), torch_encoder.tokenizer(text)
        assert ours["input_ids"] == theirs["input_ids"], text
    assert encoder.overhead_tokens() == torch_encoder.overhead_tokens() == 4


def test_a_model_that_does_not_pool_by_the_mean_is_not_exported(tmp_path: Path) -> None:
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(
        '[{"type": "sentence_transformers.models.Transformer"},'
        ' {"type": "sentence_transformers.models.Pooling"}]'
    )
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    assert "mean" in str(onnx_compatible(tmp_path))
    assert "not a local" in str(onnx_compatible(tmp_path / "missing"))


def test_an_index_is_served_by_either_backend_within_tolerance_else_refused(
    built: BuildResult,
    settings: Settings,
    encoder: Encoder,
    torch_encoder: Encoder,
    tmp_path: Path,
) -> None:
    assert built.manifest.encoder_backend == "onnx"
    _, by_onnx = load_build(built.folder, settings, encoder)
    _, by_torch = load_build(built.folder, settings, torch_encoder)
    question = "서울대병원이 보스턴에서 소개한 플랫폼은?"
    assert by_onnx.search(question, 1)[0].chunk_id == by_torch.search(question, 1)[0].chunk_id
    copy = tmp_path / "other-vectors"
    shutil.copytree(built.folder, copy)
    probe = copy / "dense" / PROBE_FILE
    with np.load(probe) as stored:
        vectors, backend = stored["vectors"], stored["backend"]
    np.savez(probe, vectors=np.roll(vectors, 1, axis=1), backend=backend)
    with pytest.raises(IncompatibleIndexError, match="RAG_ENCODER_BACKEND=onnx"):
        load_build(copy, settings, torch_encoder)


def test_short_texts_are_batched_apart_from_long_ones() -> None:
    # A question of 40 tokens and its words of 6 to 9: two passes, longest first, no batch
    # padded to more than twice its shortest text.
    batches = length_batches([6, 40, 9, 7, 21, 8], batch_size=16)
    assert batches == [[1, 4], [2, 5, 3, 0]]
    assert length_batches([5, 5, 5], batch_size=2) == [[0, 1], [2]]
    assert length_batches([], batch_size=4) == []


def test_a_question_encodes_alike_alone_and_beside_its_words(encoder: Encoder) -> None:
    question = "서울대병원이 보스턴에서 소개한 플랫폼은?"
    together = encoder.encode_queries([question, "보스턴", "platform", "hospital"])
    alone = encoder.encode_queries([question])
    words = encoder.encode_queries(["보스턴", "platform", "hospital"])
    np.testing.assert_allclose(together[:1], alone, atol=1e-6)
    np.testing.assert_allclose(together[1:], words, atol=1e-6)


def test_spinning_threads_are_a_setting_and_change_no_vector(
    encoder: Encoder, settings: Settings
) -> None:
    def config(model: Encoder) -> tuple[str, str]:
        assert model._onnx is not None
        options = model._onnx.session.get_session_options()
        return (
            str(options.get_session_config_entry("session.intra_op.allow_spinning")),
            str(options.get_session_config_entry("session.force_spinning_stop")),
        )

    expected = {"during-runs": ("1", "1"), "always": ("1", "0"), "off": ("0", "0")}
    assert config(encoder) == expected[settings.encoder.encoder_spinning]
    texts = ["what is NSTRI?", "서울대병원이 보스턴에서 소개한 플랫폼은?"]
    vectors = encoder.encode_queries(texts)
    for spinning in expected:
        if spinning != settings.encoder.encoder_spinning:
            other = Encoder(settings.but(encoder_spinning=spinning))
            assert config(other) == expected[spinning]
            np.testing.assert_array_equal(other.encode_queries(texts), vectors)


@pytest.mark.parametrize(
    ("given", "meant"), [("true", "always"), ("False", "off"), (True, "always"), ("off", "off")]
)
def test_spinning_as_a_boolean_still_means_what_it_meant(given: object, meant: str) -> None:
    assert EncoderSettings.model_validate({"encoder_spinning": given}).encoder_spinning == meant


def test_an_unknown_spinning_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValidationError, match="during-runs"):
        EncoderSettings.model_validate({"encoder_spinning": "sometimes"})


def test_texts_are_cut_to_the_window_as_a_truncating_tokenizer_cuts_them(encoder: Encoder) -> None:
    from tokenizers import Tokenizer

    texts = ["", "query: ", "x" * 5000, "환자 " * 600, "passage: " + "heart failure " * 300]
    for corpus in (KOREAN_NEWS, ENGLISH_NEWS):
        with corpus.open(encoding="utf-8") as lines:
            rows = (json.loads(line) for line in lines)
            texts += ["passage: " + r["text"] for r in rows if r.get("text")][:40]
    ours = FastTokenizer(Path(encoder.path), 512)
    truncating = Tokenizer.from_file(str(onnx_path(Path(encoder.path)).parent / TOKENIZER_FILE))
    truncating.no_padding()
    for window in (512, 32):
        ours.max_tokens = window
        truncating.enable_truncation(max_length=window)
        expected = [list(e.ids) for e in truncating.encode_batch(texts)]
        assert ours.window_ids(texts) == expected
        assert sum(len(ids) == window for ids in expected) > 40  # most were cut
