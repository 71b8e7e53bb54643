"""The encoder on ONNX Runtime: the same weights, exported offline, without PyTorch at run time.

``export_onnx`` writes ``onnx/model.onnx`` beside the provisioned sentence-transformers folder
(the transformer's last hidden state, from PyTorch's own exporter: no hub, no Optimum), its
weights in ``onnx/model.onnx.data``: ONNX Runtime maps that file into memory instead of
reading it, so a server holds only the pages it touches (of the 250,000-row word-embedding
table, the rows of the words it meets) and loading has no peak of two copies. And
``OnnxModel`` runs it with mean pooling and unit length, as the model's sentence-transformers
configuration does. Only mean-pooling models qualify (``onnx_compatible``); the vectors match
PyTorch's to a cosine of about 1e-7 (``bench.encoders`` measures it).

Where the fusion gives one attention operator a layer, the export takes each token's position
and which tokens each token attends to as inputs (``PACKING_INPUTS``) instead of a padding
mask, so that a question and its new words go through as one sequence, each text attending
to itself only (``OnnxModel.encode_packed``): each pass costs a fixed few milliseconds plus a
share per token, so a second pass for the words paid that fixed part again.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rag.config.encoder import Spinning
from rag.embedding.packing import pack_windows
from rag.errors import MissingDependencyError, ModelError

Runtime = Literal["onnxruntime", "openvino"]
Precision = Literal["f32", "bf16"]

ONNX_DIR = "onnx"  # left out of the model's fingerprint: the weights are the same
ONNX_FILE = "model.onnx"
ONNX_DATA_FILE = "model.onnx.data"  # the weights, beside the graph (ONNX external data)
# The tokenizer as transformers runs it, saved by the export: transformers rebuilds some
# models' tokenizers (e.g. XLM-R's drops trailing whitespace, the raw tokenizer.json does not),
# and token counts decide where a build cuts its chunks.
TOKENIZER_FILE = "tokenizer.json"
# What the export is: an export without it, or of another format, is redone.
EXPORT_RECORD_FILE = "export.json"
# 2: attention fused into ONNX Runtime's Attention operator; 3: positions and the pairs of
# tokens that attend to each other as inputs (packing)
EXPORT_FORMAT = 3
POSITIONS_INPUT = "position_ids"
PAIRS_INPUT = "attention_pairs"  # (batch, tokens, tokens): 1 where a token attends to another
PACKING_INPUTS = (POSITIONS_INPUT, PAIRS_INPUT)
EXPORT_FILES = (ONNX_FILE, ONNX_DATA_FILE, TOKENIZER_FILE, EXPORT_RECORD_FILE)
_OPSET = 17
# A text shorter than this share of a batch's longest starts a batch of its own (less padding).
MIN_FILL = 0.5
# OpenVINO prepares each new shape of input on its first run (about 4 ms here): widths are
# rounded up to this many tokens, and the widths up to WARM_TOKENS are run once at load, so a
# question meets a shape already prepared. ONNX Runtime has no such cost and gets no padding.
OPENVINO_WIDTH_STEP = 8
WARM_TOKENS = 128
_EXPORT_TEXTS = ("query: hello world", "passage: 서울대병원")


def onnx_path(model_dir: Path) -> Path:
    return model_dir / ONNX_DIR / ONNX_FILE


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def onnx_compatible(model_dir: Path) -> str | None:
    """None if the folder is a transformer + mean pooling (+ normalize) sentence-transformers
    model, else why it is not."""
    try:
        listed: Any = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        modules = [str(m["type"]) for m in listed]
        pooling = _read_json(model_dir / "1_Pooling" / "config.json")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{model_dir} is not a local sentence-transformers folder ({exc})"
    kinds = [kind.rsplit(".", 1)[-1] for kind in modules]
    modes = [key for key, on in pooling.items() if key.startswith("pooling_mode") and on]
    if kinds[:2] != ["Transformer", "Pooling"] or kinds[2:] not in ([], ["Normalize"]):
        return f"its modules are {kinds}, not Transformer, Pooling (and Normalize)"
    if modes != ["pooling_mode_mean_tokens"]:
        return f"it pools by {modes}, not by the mean of its tokens"
    return None


def export_format(model_dir: Path) -> int | None:
    """The format of the folder's export (None: none, or one that predates the record)."""
    try:
        record = _read_json(model_dir / ONNX_DIR / EXPORT_RECORD_FILE)
        return int(record["format"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def export_onnx(model_dir: Path, *, force: bool = False) -> Path:
    """Export the folder's transformer to ONNX (about 20 s on two cores), once; an export of
    another format (an older layout) is redone."""
    target = onnx_path(model_dir)
    exported = all((target.parent / name).is_file() for name in EXPORT_FILES)
    if exported and export_format(model_dir) == EXPORT_FORMAT and not force:
        return target
    problem = onnx_compatible(model_dir)
    if problem:
        raise ModelError(f"cannot export {model_dir} to ONNX: {problem}")
    try:
        import onnx  # noqa: F401  (the exporter needs it)
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:
        raise MissingDependencyError(
            f"exporting to ONNX needs {exc.name}: pip install onnx"
        ) from exc

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # Eager attention exports the pattern that ONNX Runtime fuses (PyTorch's fused kernel
    # exports as NaN checks around a softmax, which nothing fuses); same weights, same output.
    transformer = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    model = LastHiddenState(transformer).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    sample = tokenizer(list(_EXPORT_TEXTS), padding=True, return_tensors="pt")
    # Written in a folder beside the final one, then renamed: a reader never sees half.
    staging = Path(tempfile.mkdtemp(prefix=f".{ONNX_DIR}-", dir=model_dir))
    staging.chmod(0o755)  # mkdtemp's is 0700; the export is read like the weights beside it
    try:
        fused = _export(model, sample, staging / ONNX_FILE, transformer.config)
        tokenizer.backend_tokenizer.save(str(staging / TOKENIZER_FILE))
        record = {"format": EXPORT_FORMAT, "fused_operators": fused}
        (staging / EXPORT_RECORD_FILE).write_text(json.dumps(record, indent=2), "utf-8")
        for written in staging.iterdir():
            written.chmod(0o644)  # some writers make their files private
        if target.parent.exists():
            shutil.rmtree(target.parent)
        os.replace(staging, target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _export(model: Any, sample: Any, target: Path, config: Any) -> dict[str, int]:
    """``model`` to ``target``, its weights to ``ONNX_DATA_FILE`` beside it; the operators
    that ONNX Runtime's transformer optimizer fused (counted by kind)."""
    import torch

    partial = target.with_suffix(".partial")
    axes = {0: "batch", 1: "tokens"}
    # The exporter warns that negative gather indices would be misread; the model has none
    # (the vectors match PyTorch's: tests/rag/embedding/test_onnx.py).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (sample["input_ids"], sample["attention_mask"]),
            str(partial),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=_OPSET,
            dynamo=False,
        )
    try:
        return _fuse(partial, target, config)
    finally:
        partial.unlink()


def _fuse(source: Path, target: Path, config: Any) -> dict[str, int]:
    """The graph at ``source`` with each layer's attention, its GELU and its layer norms fused
    into single operators (ONNX Runtime's offline transformer optimizer: what its online
    optimizer does not match), written to ``target`` with external weights. Same vectors,
    about twice the passages a second (docs/encoders.md, "Fused attention")."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(source),
        model_type="bert",  # BERT's graph shape, which XLM-R's is
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        opt_level=0,  # fusions only: the session applies its own optimizations when loaded
    )
    statistics = optimized.get_fused_operator_statistics()
    fused = {kind: int(count) for kind, count in statistics.items() if count}
    if fused.get("EmbedLayerNormalization") == 1 and fused.get("Attention"):
        _take_packing_inputs(optimized.model)
    # The weights go to the graph's name plus ".data": ONNX_DATA_FILE.
    optimized.save_model_to_file(str(target), use_external_data_format=True)
    return fused


def _take_packing_inputs(model: Any) -> None:
    """Make the fused graph take positions and attention pairs (``PACKING_INPUTS``) instead
    of the padding mask: the embedding operator reads the positions, every attention
    operator the pairs (a 3-D mask, which ONNX Runtime's Attention accepts as it is)."""
    from onnx import TensorProto, helper

    graph = model.graph
    graph.input.append(
        helper.make_tensor_value_info(POSITIONS_INPUT, TensorProto.INT32, ["batch", "tokens"])
    )
    graph.input.append(
        helper.make_tensor_value_info(
            PAIRS_INPUT, TensorProto.INT32, ["batch", "tokens", "attended"]
        )
    )
    for node in graph.node:
        if node.op_type == "EmbedLayerNormalization":
            del node.input[7:]  # the padding mask, whose sequence lengths nothing reads now
            node.input.extend(["", POSITIONS_INPUT])  # input 8: position ids
        elif node.op_type == "Attention":
            node.input[3] = PAIRS_INPUT
    # What read the padding mask (its cast to int32) and the input itself go.
    unused = [n for n in graph.node if list(n.input) == ["attention_mask"]]
    for node in unused:
        graph.node.remove(node)
    for value in [i for i in graph.input if i.name == "attention_mask"]:
        graph.input.remove(value)


class FastTokenizer:
    """The tokenizer transformers runs (saved by the export) through the ``tokenizers`` library
    alone, without importing PyTorch (some hundreds of MB that an ONNX Runtime server does not
    need)."""

    def __init__(self, model_dir: Path, max_tokens: int) -> None:
        from tokenizers import Tokenizer

        # One instance, never truncating (truncation is a tokenizer's state, and requests run
        # in threads); texts are cut to the window after (``window_ids``). A load takes
        # about 0.7 s, which every process that encodes pays.
        self._tokenizer = Tokenizer.from_file(str(model_dir / ONNX_DIR / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self.max_tokens = max_tokens
        pad = self._tokenizer.token_to_id("<pad>")
        self.pad_id = 0 if pad is None else int(pad)

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
        encoded = self._tokenizer.encode(text, add_special_tokens=add_special_tokens)
        return {"input_ids": list(encoded.ids)}

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str | None]:
        return [self._tokenizer.id_to_token(i) for i in ids]

    def window_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of ``texts``, cut to the model's window (special tokens included) as
        transformers' truncation cuts them: the text's tokens, the special ones kept."""
        return [
            self._cut(e.ids, e.special_tokens_mask)
            for e in self._tokenizer.encode_batch(list(texts))
        ]

    def _cut(self, ids: list[int], special: list[int]) -> list[int]:
        if len(ids) <= self.max_tokens:
            return list(ids)
        tail = len(list(itertools.takewhile(bool, reversed(special))))  # </s> after the text
        return list(ids[: self.max_tokens - tail]) + list(ids[len(ids) - tail :])

    def pad(
        self, rows: Sequence[Sequence[int]], multiple: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask of ``rows`` padded to the longest, rounded up to a
        ``multiple`` of tokens within the model's window."""
        width = padded_width(max(len(r) for r in rows), multiple, self.max_tokens)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for row, tokens in enumerate(rows):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        return ids, mask


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Positions of texts of ``lengths`` (tokens) in batches of at most ``batch_size``, longest
    first; a text joins a batch only while it is at least ``MIN_FILL`` of the batch's longest,
    so padding never makes up most of a batch (a question and its one-word translations
    are two small passes, not one padded to the question's length)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for position in order:
        if (
            batches
            and len(batches[-1]) < batch_size
            and lengths[position] >= MIN_FILL * lengths[batches[-1][0]]
        ):
            batches[-1].append(position)
        else:
            batches.append([position])
    return batches


class OnnxModel:
    """Mean-pooled unit vectors from the exported model on ONNX Runtime's CPU provider, or on
    OpenVINO's CPU plugin (``runtime``; ``precision`` is OpenVINO's: ``rag.embedding.openvino``)."""

    def __init__(
        self,
        model_dir: Path,
        max_tokens: int,
        threads: int = 0,
        *,
        spinning: Spinning = "during-runs",
        runtime: Runtime = "onnxruntime",
        precision: Precision = "f32",
        tokenizer: FastTokenizer | None = None,
        for_questions: bool = True,
    ) -> None:
        """``tokenizer``: one already loaded for the folder (about 0.7 s a load);
        ``for_questions``: OpenVINO prepares the widths of questions at load (a build's batches
        need not)."""
        self.session: Any
        if runtime == "openvino":
            from rag.embedding.openvino import OpenVinoSession

            self.session = OpenVinoSession(
                onnx_path(model_dir), threads=threads, precision=precision
            )
            names = set(self.session.input_names)
        else:
            self.session = _onnxruntime_session(model_dir, threads, spinning)
            names = {value.name for value in self.session.get_inputs()}
        self.tokenizer = tokenizer or FastTokenizer(model_dir, max_tokens)
        self.max_tokens = max_tokens
        self.packs = names.issuperset(PACKING_INPUTS)
        self.width_step = OPENVINO_WIDTH_STEP if runtime == "openvino" else 1
        if self.width_step > 1 and self.packs and for_questions:
            self._warm_shapes()

    def _warm_shapes(self) -> None:
        """Run each single-row width a question's pass may have (up to ``WARM_TOKENS``) once."""
        for width in range(self.width_step, WARM_TOKENS + 1, self.width_step):
            self.session.run(
                None,
                {
                    "input_ids": np.full((1, width), self.tokenizer.pad_id, dtype=np.int64),
                    POSITIONS_INPUT: np.zeros((1, width), dtype=np.int32),
                    PAIRS_INPUT: np.ones((1, width, width), dtype=np.int32),
                },
            )

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Unit vectors of ``texts`` (prompts applied), in batches of similar length."""
        tokens = self.tokenizer.window_ids(texts)
        out = np.empty((len(texts), 0), dtype=np.float32)
        for rows in length_batches([len(t) for t in tokens], batch_size):
            padded = self.tokenizer.pad([tokens[i] for i in rows], self.width_step)
            vectors = self._run(*padded)
            if out.shape[1] == 0:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    def encode_packed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of a few short ``texts`` (prompts applied) from one pass, each text a
        segment of one sequence that attends to itself only, with positions of its own: the
        vectors of ``encode``. Texts that do not fit one window together fill several rows
        of the pass. Needs an export that ``packs``."""
        if not self.packs:
            raise ModelError("this ONNX export does not take packed sequences; run `rag model`")
        pieces = self.tokenizer.window_ids(texts)
        if not pieces:
            return np.empty((0, 0), dtype=np.float32)
        rows = pack_windows([len(piece) for piece in pieces], self.max_tokens)
        longest = max(sum(len(pieces[n]) for n in row) for row in rows)
        width = padded_width(longest, self.width_step, self.max_tokens)
        ids = np.full((len(rows), width), self.tokenizer.pad_id, dtype=np.int64)
        positions = np.zeros((len(rows), width), dtype=np.int32)
        # Each token's segment: its text's number, or -1-column for padding (attends itself).
        segments = np.tile(-1 - np.arange(width), (len(rows), 1))
        spans: list[tuple[int, int, int]] = []  # (row, start, end) of each text, in order
        for row, numbers in enumerate(rows):
            start = 0
            for number in numbers:
                end = start + len(pieces[number])
                ids[row, start:end] = pieces[number]
                positions[row, start:end] = np.arange(end - start)
                segments[row, start:end] = number
                spans.append((row, start, end))
                start = end
        pairs = (segments[:, :, None] == segments[:, None, :]).astype(np.int32)
        (hidden,) = self.session.run(
            None, {"input_ids": ids, POSITIONS_INPUT: positions, PAIRS_INPUT: pairs}
        )
        pooled = np.stack([hidden[row, start:end].mean(axis=0) for row, start, end in spans])
        return _unit(pooled)

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed: dict[str, np.ndarray] = {"input_ids": ids}
        if self.packs:
            batch, width = ids.shape
            feed[POSITIONS_INPUT] = np.broadcast_to(
                np.arange(width, dtype=np.int32), (batch, width)
            ).copy()
            # Every token attends to the tokens of its row that are not padding.
            feed[PAIRS_INPUT] = np.broadcast_to(
                mask[:, None, :].astype(np.int32), (batch, width, width)
            ).copy()
        else:
            feed["attention_mask"] = mask
        (hidden,) = self.session.run(None, feed)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _unit(pooled)


def _onnxruntime_session(model_dir: Path, threads: int, spinning: Spinning) -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise MissingDependencyError(
            f"the onnx encoder backend needs {exc.name}: pip install onnxruntime"
        ) from exc
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads  # 0: ONNX Runtime's default
    # Spinning threads take the next parallel step of a run sooner; spinning on after the run
    # keeps the cores busy while the question's ranking needs them (RAG_ENCODER_SPINNING).
    options.add_session_config_entry(
        "session.intra_op.allow_spinning", "0" if spinning == "off" else "1"
    )
    options.add_session_config_entry(
        "session.force_spinning_stop", "1" if spinning == "during-runs" else "0"
    )
    return onnxruntime.InferenceSession(
        str(onnx_path(model_dir)), options, providers=["CPUExecutionProvider"]
    )


def padded_width(longest: int, multiple: int, window: int) -> int:
    """A batch's width: its longest row rounded up to a ``multiple`` of tokens (OpenVINO's
    prepared shapes), never past the model's ``window`` unless the row itself is."""
    return max(longest, min(-(-longest // multiple) * multiple, window))


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)
