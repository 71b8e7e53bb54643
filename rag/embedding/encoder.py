"""The embedding model behind one small interface: queries and passages in, unit vectors out."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from rag.config import DEFAULT_MODEL, Settings
from rag.embedding.blas import limit_numpy_blas
from rag.embedding.onnx import (
    ONNX_DIR,
    OnnxModel,
    Precision,
    Runtime,
    export_onnx,
    onnx_compatible,
)
from rag.embedding.packing import PackedEncoder
from rag.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ProgressCallback = Callable[[int], None]
# The backends that run the ONNX export: its runtime and the precision of its products.
EXPORT_BACKENDS: dict[str, tuple[Runtime, Precision]] = {
    "onnx": ("onnxruntime", "f32"),
    "openvino": ("openvino", "f32"),
    "openvino-bf16": ("openvino", "bf16"),
}
# Hashing the first and last MiB of the weights identifies them without reading 0.5 GB.
_FINGERPRINT_SAMPLE_BYTES = 1 << 20


def resolve_model_path(settings: Settings) -> str:
    """A local folder for the configured model, provisioning the bundled default if needed."""
    if settings.encoder.model == DEFAULT_MODEL:
        from rag.embedding.provision import provision_e5_small

        return str(provision_e5_small(settings.encoder.resolved_models_dir() / DEFAULT_MODEL))
    path = Path(settings.encoder.model).expanduser()
    return str(path) if path.exists() else settings.encoder.model


def _fingerprint(path: str) -> str:
    folder = Path(path)
    if not folder.is_dir():
        return hashlib.sha256(path.encode()).hexdigest()[:16]
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder)
        hidden = any(part.startswith(".") for part in relative.parts)  # e.g. an export's staging
        if not file.is_file() or hidden or relative.parts[0] == ONNX_DIR:
            continue  # the ONNX export holds the same weights: same fingerprint
        digest.update(str(relative).encode())
        size = file.stat().st_size
        digest.update(str(size).encode())
        with file.open("rb") as handle:
            digest.update(handle.read(_FINGERPRINT_SAMPLE_BYTES))
            if size > 2 * _FINGERPRINT_SAMPLE_BYTES:
                handle.seek(-_FINGERPRINT_SAMPLE_BYTES, os.SEEK_END)
                digest.update(handle.read())
    return digest.hexdigest()[:16]


class Encoder:
    """A sentence-transformers model with the service's query and passage prompts, run by
    PyTorch (``torch``) or from the same weights exported to ONNX (``EXPORT_BACKENDS``: ONNX
    Runtime, about three times faster per question, or OpenVINO; ``rag/embedding/onnx.py``).
    Questions and a build's batches may each have a backend of their own."""

    def __init__(self, settings: Settings) -> None:
        self.name = settings.encoder.model
        self.path = resolve_model_path(settings)
        if Path(self.path).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local model never needs the hub
        self.device = settings.encoder.device
        self.backend = settings.encoder.encoder_backend
        self.build_backend = settings.encoder.build_encoder_backend
        self.batch_size = settings.encoder.embed_batch_size
        self.threads = settings.encoder.encoder_threads
        self.spinning = settings.encoder.encoder_spinning
        limit_numpy_blas(settings.encoder.numpy_blas_threads)
        self._model: SentenceTransformer | None = None
        self._onnx: OnnxModel | None = None  # what runs questions, unless PyTorch does
        self._exports: dict[str, OnnxModel] = {}  # by backend, made on first use
        self._packed: PackedEncoder | None = None
        if self.backend in EXPORT_BACKENDS:
            self._init_onnx(Path(self.path))
        else:
            self._init_torch()
        self.query_prompt = (
            settings.encoder.query_prompt if settings.encoder.query_prompt in self.prompts else None
        )
        self.passage_prompt = (
            settings.encoder.passage_prompt
            if settings.encoder.passage_prompt in self.prompts
            else None
        )
        self.title_prompt = (
            settings.encoder.title_prompt if settings.encoder.title_prompt in self.prompts else None
        )
        self.fingerprint = _fingerprint(self.path)

    def _init_torch(self) -> None:
        model = self.model
        self.prompts: dict[str, str] = {k: v or "" for k, v in (model.prompts or {}).items()}
        dimension = model.get_embedding_dimension()
        if not dimension:
            raise ModelError(f"model {self.name!r} does not report an embedding dimension")
        self.dimension = int(dimension)
        self._tokenizer: Any = model.tokenizer
        self.max_tokens = int(model.max_seq_length or self._tokenizer.model_max_length)
        self._packed = PackedEncoder.for_model(model, self.max_tokens)

    def _init_onnx(self, folder: Path) -> None:
        self._check_exportable(folder)
        try:
            config = json.loads((folder / "config_sentence_transformers.json").read_text())
            self.prompts = dict(config.get("prompts") or {})
            bert = json.loads((folder / "sentence_bert_config.json").read_text())
            pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
            self.max_tokens = int(bert["max_seq_length"])
            self.dimension = int(pooling["word_embedding_dimension"])
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read the configuration of {folder}: {exc}") from exc
        self._onnx = self._export_model(self.backend)
        self._tokenizer = self._onnx.tokenizer

    def _export_model(self, backend: str) -> OnnxModel:
        """The ONNX export run by ``backend`` (one of ``EXPORT_BACKENDS``), made once."""
        model = self._exports.get(backend)
        if model is None:
            folder = Path(self.path)
            self._check_exportable(folder)
            export_onnx(folder)  # once, offline, beside the weights
            runtime, precision = EXPORT_BACKENDS[backend]
            loaded = next(iter(self._exports.values()), None)  # its tokenizer is the same
            model = OnnxModel(
                folder,
                self.max_tokens,
                self.threads,
                spinning=self.spinning,
                runtime=runtime,
                precision=precision,
                tokenizer=loaded.tokenizer if loaded is not None else None,
                for_questions=backend == self.backend,
            )
            self._exports[backend] = model
        return model

    def _check_exportable(self, folder: Path) -> None:
        problem = onnx_compatible(folder)
        if problem:
            raise ModelError(
                f"model {self.name!r} cannot run exported to ONNX: {problem}. "
                "Set RAG_ENCODER_BACKEND=torch and RAG_BUILD_ENCODER_BACKEND=torch."
            )

    @property
    def build_fingerprint(self) -> str:
        """What decides a build's vectors: the weights, and the precision of the build
        backend's products where it is not float32 (bfloat16's vectors are not float32's, so
        they are neither cached nor reused as them)."""
        precision = EXPORT_BACKENDS.get(self.build_backend, ("onnxruntime", "f32"))[1]
        return self.fingerprint if precision == "f32" else f"{self.fingerprint}-{precision}"

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model (loaded on first use with the onnx backend: the
        benchmarks' reference and the packing checks read it)."""
        if self._model is None:
            self._model = self._load(self.path, self.device)
            if self.threads:
                import torch

                torch.set_num_threads(self.threads)  # for the process: torch has one pool
        return self._model

    @staticmethod
    @functools.cache
    def _load(path: str, device: str) -> SentenceTransformer:
        """The model at ``path`` on ``device``, loaded once per process: encoders of other
        settings (a backend, prompts, batch sizes) share its weights."""
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # the service prints its own progress
        transformers_logging.set_verbosity_error()
        try:
            return SentenceTransformer(path, device=device)
        except Exception as exc:  # the library raises many kinds; all mean "cannot load"
            raise ModelError(
                f"cannot load embedding model {path!r}: {exc}. Set RAG_MODEL to a local "
                "sentence-transformers folder or to the default, multilingual-e5-small."
            ) from exc

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])

    def overhead_tokens(self) -> int:
        """Tokens a passage costs beyond its own: special tokens and the passage prompt."""
        return len(self._tokenizer(self._prompt_text(self.passage_prompt))["input_ids"])

    def _prompt_text(self, name: str | None) -> str:
        return self.prompts.get(name or "") or ""

    def encode_queries(
        self, texts: Sequence[str], progress: ProgressCallback | None = None
    ) -> np.ndarray:
        return self._encode_tracked(texts, self.query_prompt, progress)

    def encode_queries_together(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors of a few short texts (a question and its new words) from one
        forward pass, packed into a sequence without padding between them (a row a model
        window they fill), where the model or its export allows it, else from a batch."""
        if not self.packs_queries or not texts:
            return self.encode_queries(texts)
        prompt = self._prompt_text(self.query_prompt)
        prompted = [prompt + text for text in texts]
        if self._packed is not None:
            return self._packed.encode(prompted)
        return cast(OnnxModel, self._onnx).encode_packed(prompted)

    @property
    def packs_queries(self) -> bool:
        if self._onnx is not None:
            return self._onnx.packs
        return self._packed is not None

    def encode_passages(
        self, texts: Sequence[str], progress: ProgressCallback | None = None
    ) -> np.ndarray:
        return self._encode_tracked(texts, self.passage_prompt, progress)

    def encode_titles(
        self, texts: Sequence[str], progress: ProgressCallback | None = None
    ) -> np.ndarray:
        return self._encode_tracked(texts, self.title_prompt, progress)

    def _encode_tracked(
        self, texts: Sequence[str], prompt: str | None, progress: ProgressCallback | None
    ) -> np.ndarray:
        if progress is None:
            return self._encode(texts, prompt)
        # Progress is reported by builds, whose long batches may have a backend of their own.
        # Encode in slices so that a progress bar moves; sorted by length to limit padding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = self.batch_size * 4
        for begin in range(0, len(texts), step):
            rows = order[begin : begin + step]
            out[rows] = self._encode([texts[i] for i in rows], prompt, self.build_backend)
            progress(len(rows))
        return out

    def _encode(
        self, texts: Sequence[str], prompt_name: str | None, backend: str | None = None
    ) -> np.ndarray:
        """Vectors of ``texts`` by ``backend`` (None: the questions' one)."""
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        export = self._onnx
        if backend is not None and backend != self.backend:
            export = self._export_model(backend) if backend in EXPORT_BACKENDS else None
        if export is not None:
            prompt = self._prompt_text(prompt_name)
            return export.encode([prompt + text for text in texts], self.batch_size)
        vectors = self.model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
