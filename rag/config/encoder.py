"""Encoder settings: which model turns text into vectors, and what runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

DEFAULT_MODEL = "multilingual-e5-small"
# What runs the model (rag.embedding.encoder.EXPORT_BACKENDS: all but torch run the ONNX export).
Backend = Literal["torch", "onnx", "openvino", "openvino-bf16"]
_SPINNING_WORDS = {"true": "always", "1": "always", "false": "off", "0": "off"}


def _spinning(value: object) -> object:
    """Booleans as the setting once was (RAG_ENCODER_SPINNING=true/false)."""
    if isinstance(value, bool):
        return "always" if value else "off"
    if isinstance(value, str):
        return _SPINNING_WORDS.get(value.strip().lower(), value)
    return value


# When ONNX Runtime's threads spin (rag.embedding.onnx): inside a run only, always, never.
Spinning = Annotated[Literal["during-runs", "always", "off"], BeforeValidator(_spinning)]
READER_ADAPTER = Path(__file__).resolve().parent.parent / "fitted" / "reader"


class EncoderSettings(BaseModel):
    """The model and its backends (``RAG_ENCODER__*`` or the bare ``RAG_*`` names). A build
    records what it was made with and keeps probe vectors: a serving encoder that would not
    reproduce them is refused (``encoder_tolerance``), so these never silently drift."""

    model_config = ConfigDict(frozen=True)

    model: str = Field(
        DEFAULT_MODEL,
        description="sentence-transformers model: the bundled name, a local path or a hub name",
    )
    models_dir: Path = Field(
        Path("~/.cache/rag/models"), description="where provisioned models are written"
    )
    query_prompt: str = Field("query", description="prompt name for questions")
    passage_prompt: str = Field("document", description="prompt name for passages")
    title_prompt: str = Field(
        "query", description="prompt name for article titles (matched like another question)"
    )
    embed_batch_size: int = Field(32, ge=1)
    encoder_threads: int = Field(
        0,
        ge=0,
        description="threads one encoder computes with (0: the runtime's default, every core); "
        "a distributed build gives each of its model actors its share of a node",
    )
    encoder_spinning: Spinning = Field(
        "during-runs",
        description="when ONNX Runtime's threads spin waiting for the next parallel step: "
        "during-runs (inside a run, stopped as the run returns: the server's encoding of a "
        "question 0.8-3.5 ms shorter than off in five paired runs), always (they spin on after "
        "a run too, slowing what runs next on the cores: on a news index of 8,825 passages "
        "/ask took 1.3-1.6 times as long) or off; true and false still mean always and off "
        "(docs/encoders.md, 'Spinning during runs only')",
    )
    numpy_blas_threads: int = Field(
        1,
        ge=0,
        description="threads of numpy's OpenBLAS in a process that encodes (0: its default, "
        "every core): its idle threads spin after each product and took a core from the next "
        "question's encoding (docs/encoders.md, 'numpy's BLAS threads')",
    )
    device: str = "cpu"
    encoder_backend: Backend = Field(
        "onnx",
        description="what runs the model on questions: onnx (ONNX Runtime, exported offline "
        "from the same weights by `rag model`; about 3x faster per question), openvino "
        "(OpenVINO on the same export), openvino-bf16 (OpenVINO multiplying in bfloat16 where "
        "the CPU can: vectors within a cosine of about 1e-5) or torch (sentence-transformers "
        "on PyTorch)",
    )
    build_encoder_backend: Backend = Field(
        "openvino-bf16",
        description="what runs the model on a build's batches of passages, titles and words: "
        "OpenVINO in bfloat16 encodes about twice ONNX Runtime's passages a second here, and "
        "indexes built with it give every eval figure within 0.0003 of nDCG@10, answer-hit@5 "
        "and abstention unchanged (docs/encoders.md, 'OpenVINO'); its vectors are cached apart "
        "from float32's",
    )
    encoder_tolerance: float = Field(
        0.999,
        gt=0,
        le=1,
        description="least cosine between the probe vectors a build stored and the serving "
        "encoder's: below it the index is refused (another model, backend or precision)",
    )

    reader_adapter: Path = Field(
        READER_ADAPTER,
        description="folder of the reader's adapter (python -m eval.train_reader --out); "
        "read only when a question asks for the reader (RAG_READER)",
    )

    def resolved_models_dir(self) -> Path:
        return self.models_dir.expanduser()
