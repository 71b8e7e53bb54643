"""The manifest of a built index: what it was built from, with what, and in which format.

Loading checks it against the running settings: an index embedded by another model or written
in another format version is refused with a message saying why. Its ``config`` is the index
config the build was made with, which the loaded index serves with.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.config import IndexConfig
from rag.errors import IncompatibleIndexError, IndexStoreError

# Bump when the files of a build change shape or meaning; older builds are then refused, not
# misread. 3: Latin letters and digits in Korean text give BM25 terms as in English text.
# 4: sentences.npz, the articles' sentences with their terms (for quoting). 5: its string
# lists as UTF-8 JSON bytes instead of fixed-width unicode arrays. 6: titles.npz, a vector
# per distinct article title (title retrieval), and bm25-syllables/, BM25 over Hangul syllable
# bigrams. 7: bm25-phrases/, BM25 over pairs of neighbouring terms; Korean terms in text order.
# 8: a folder per part (rag.parts) with its build parameters; the manifest lists them.
# 9: dense/probe.npz, the build encoder's vectors of fixed texts; the encoder backend.
# 10: the whole index config (rag.config.IndexConfig) under ``config``, not ``chunking``.
FORMAT_VERSION = 10
MANIFEST_FILE = "manifest.json"


@dataclass
class Manifest:
    format_version: int
    build_id: str
    built_at: str  # ISO timestamp, UTC
    model: str
    model_fingerprint: str
    dimension: int
    max_tokens: int
    # The index config it was built with (rag.config.IndexConfig): what the build, not the
    # serving environment, says about how the index was made.
    config: dict[str, Any]
    parts: dict[str, dict[str, Any]]  # each part's build parameters, also in its folder
    corpus_fingerprint: str
    counts: dict[str, int]
    inputs: list[str] = field(default_factory=list)
    # Article ids left out of those inputs (`rag delete`): a rebuild of the inputs keeps them out.
    excluded: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    encoder_backend: str = "torch"  # what ran the model on questions: torch or onnx
    build_encoder_backend: str = "torch"  # what ran it on the build's passages

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, folder: Path) -> None:
        (folder / MANIFEST_FILE).write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexStoreError(
                f"{folder} is not an index build: {MANIFEST_FILE} is missing"
            ) from None
        except (OSError, json.JSONDecodeError) as exc:
            raise IndexStoreError(f"cannot read {path}: {exc}") from exc
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise IncompatibleIndexError(
                f"index {folder} has format version {version}; this service reads version "
                f"{FORMAT_VERSION}. Rebuild it with `rag build`."
            )
        try:
            return cls(**data)
        except TypeError as exc:
            raise IndexStoreError(f"{path} is malformed: {exc}") from exc

    def index_config(self) -> IndexConfig:
        """The config the index was built with, as read back from the build."""
        return IndexConfig.model_validate(self.config)

    def check_model(self, model: str, fingerprint: str, dimension: int) -> None:
        if self.dimension != dimension or self.model_fingerprint != fingerprint:
            raise IncompatibleIndexError(
                f"index {self.build_id} was built with model {self.model!r} "
                f"(dimension {self.dimension}, fingerprint {self.model_fingerprint}); the service "
                f"is configured with {model!r} (dimension {dimension}, fingerprint {fingerprint}). "
                "Set RAG_MODEL to the index's model or rebuild the index with `rag build`."
            )
