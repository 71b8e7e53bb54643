"""What every part of an index shares: one life cycle (build, save, load) and its context.

A part (dense vectors, BM25, a ranking, the lexicons...) is built from the prepared corpus,
saves itself under its own folder of a build with the build-time parameters it was made with
(``params.json``), and loads back from that folder with those same parameters: the build, not
the environment of the serving process, says how the index was made. ``index/`` only decides
where the folders are and publishes builds atomically; the registry (``rag.parts.PARTS``)
says which parts there are.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import numpy as np
from tqdm import tqdm

from rag.config import Settings
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.lexical.analyzer import LexicalAnalyzer, TermAnalyzer
from rag.lexical.term_rows import TermRows
from rag.retrieval.shards import DenseShards
from rag.vectors import language_means

PARAMS_FILE = "params.json"
# An indexed part's index type and the breadth its build calibrated (dense, titles).
SEARCH_FILE = "search.json"
ANALYSIS_BATCH = 512  # passages analysed per kiwipiepy call (progress granularity)

Built = TypeVar("Built")


class EmbedTexts(Protocol):
    """Vectors of ``texts`` by ``encode`` (an encoder method that reports progress), read from
    the build's embedding cache under ``namespace`` where stored."""

    def __call__(
        self,
        texts: Sequence[str],
        encode: Callable[..., np.ndarray],
        *,
        namespace: str,
        desc: str,
        unit: str,
    ) -> np.ndarray: ...


@dataclass
class BuildContext:
    """The prepared corpus a build's parts are made from, and the tools they share."""

    articles: Sequence[Article]
    chunks: Sequence[Chunk]
    passages: Sequence[str]  # the text embedded and matched for each chunk (title in front)
    vectors: np.ndarray  # the model's unit vector of each passage, one row per chunk
    encoder: Encoder
    analyzer: LexicalAnalyzer
    embed: EmbedTexts
    progress: bool = False
    # Where the terms of passages and sentences come from: the analyzer itself, or a store of
    # what earlier builds analysed (None: the analyzer).
    stored_terms: TermAnalyzer | None = None
    # The folder of the build served when this one started (a part may reuse what that one
    # trained); None when there is none.
    previous: Path | None = None

    @property
    def terms(self) -> TermAnalyzer:
        return self.stored_terms or self.analyzer

    def bar(self, total: int, desc: str, unit: str) -> Any:
        return tqdm(
            total=total, desc=desc, unit=unit, disable=not self.progress, dynamic_ncols=True
        )

    @cached_property
    def languages(self) -> list[str]:
        return [chunk.lang for chunk in self.chunks]

    @cached_property
    def language_means(self) -> dict[str, np.ndarray]:
        return language_means(self.vectors, self.languages)

    @cached_property
    def passage_terms(self) -> TermRows:
        """The BM25 terms of every passage, analysed once for every part that needs them."""
        terms = TermRows()
        with self.bar(len(self.passages), "terms", "chunk") as bar:
            for begin in range(0, len(self.passages), ANALYSIS_BATCH):
                batch = self.passages[begin : begin + ANALYSIS_BATCH]
                for row in self.terms.terms_batch(batch):
                    terms.append(row)
                bar.update(len(batch))
        return terms


@dataclass
class LoadContext:
    """What loading a part may use: the serving settings (query-time knobs only: how a
    part was built comes from its own parameters), the encoder and the shared analyzer."""

    settings: Settings
    encoder: Encoder
    analyzer: LexicalAnalyzer
    # The language of every chunk, in row order (parts that need it per row).
    chunk_languages: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    # Where the dense part's vectors are searched when the build is served in shards (None:
    # in this process, by one FAISS index).
    dense_shards: DenseShards | None = None


class IndexPart(ABC, Generic[Built]):
    """One part of an index with its life cycle. Subclasses set ``name`` (its folder in a
    build) and ``fused`` (whether what it serves is a ranking fused with dense and BM25)."""

    name: ClassVar[str]
    fused: ClassVar[bool] = False

    def params(self, settings: Settings) -> dict[str, Any]:
        """The build-time parameters taken from ``settings``, keyed by setting name: saved
        beside the part's files and in the manifest, and all that :meth:`build` reads."""
        return {}

    @abstractmethod
    def build(self, context: BuildContext, params: dict[str, Any]) -> Built: ...

    @abstractmethod
    def save(self, built: Built, folder: Path) -> None: ...

    @abstractmethod
    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> Built: ...

    def rows(self, built: Built) -> int | None:
        """How many chunks the part covers (checked against the corpus at load; None: the
        part is not per chunk)."""
        return None

    def counts(self, built: Built) -> dict[str, int]:
        """Sizes for the manifest's counts."""
        return {}

    def serve(self, loaded: Built, context: LoadContext) -> Any:
        """What the search engine is given (by default the loaded part itself)."""
        return loaded


def write_params(folder: Path, params: dict[str, Any]) -> None:
    (folder / PARAMS_FILE).write_text(json.dumps(params, indent=2, sort_keys=True), "utf-8")


def read_params(folder: Path) -> dict[str, Any]:
    params: dict[str, Any] = json.loads((folder / PARAMS_FILE).read_text("utf-8"))
    return params


def write_search(folder: Path, search: dict[str, Any]) -> None:
    (folder / SEARCH_FILE).write_text(json.dumps(search, indent=1) + "\n", encoding="utf-8")


def read_search(folder: Path) -> dict[str, Any] | None:
    """The part's index type and calibration; None for a part without (or a build from
    before they were kept)."""
    path = folder / SEARCH_FILE
    if not path.is_file():
        return None
    search: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return search


def describe_search(search: dict[str, Any]) -> str:
    """One line for ``rag stats``: the index type and how broad its searches are."""
    factory = str(search.get("factory") or "Flat")
    calibration = search.get("calibration")
    if calibration is not None:
        return (
            f"{factory} (breadth {calibration['breadth']}, recall@10 "
            f"{calibration['recall']:.3f} for {calibration['target']})"
        )
    return f"{factory} (exact)" if factory == "Flat" else factory
