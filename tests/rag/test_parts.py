"""A new ranking is one part module and one registration: built, saved with its parameters,
loaded and fused without touching the builder, the loader or the ranker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.builder import build_index
from index.loader import load_current
from rag import parts as registry
from rag.config import QueryParams, Settings
from rag.embedding.encoder import Encoder
from rag.parts import PARTS, BuildContext, IndexPart, LoadContext, read_params
from rag.types import Query, Scored, best_of
from tests.conftest import SEED

LENGTHS_FILE = "lengths.npy"


class LengthRanking:
    """A toy ranking: longer passages first."""

    name = "length"
    pad: float | None = None
    own_language_only = False

    def __init__(self, lengths: np.ndarray) -> None:
        self.lengths = lengths
        self.searches = 0

    def weight(self, params: QueryParams) -> float:
        return 0.5

    def prepare(self, query: Query, params: QueryParams) -> bool:
        return True

    def search_prepared(
        self, query: Query, k: int, allowed: np.ndarray | None, prepared: Any
    ) -> Scored:
        self.searches += 1
        rows = np.arange(len(self.lengths)) if allowed is None else np.flatnonzero(allowed)
        return best_of(rows, self.lengths[rows].astype(np.float64), k)


class LengthPart(IndexPart[LengthRanking]):
    name = "length"
    fused = True

    def params(self, settings: Settings) -> dict[str, Any]:
        return {"unit": "characters"}

    def build(self, context: BuildContext, params: dict[str, Any]) -> LengthRanking:
        return LengthRanking(np.array([len(p) for p in context.passages], dtype=np.int64))

    def save(self, built: LengthRanking, folder: Path) -> None:
        np.save(folder / LENGTHS_FILE, built.lengths)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> LengthRanking:
        return LengthRanking(np.load(folder / LENGTHS_FILE))

    def rows(self, built: LengthRanking) -> int:
        return len(built.lengths)


def test_a_registered_ranking_is_built_saved_loaded_and_fused(
    settings: Settings, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "PARTS", (*PARTS, LengthPart()))
    target = settings.but(index_dir=tmp_path / "with-length")
    result = build_index([SEED], target, encoder, progress=False)
    assert result.manifest.parts["length"] == {"unit": "characters"}
    assert read_params(result.folder / "length") == {"unit": "characters"}
    _, engine = load_current(target, encoder)
    ranking = engine.ranker.ranking("length")
    assert isinstance(ranking, LengthRanking) and len(ranking.lengths) == len(engine.corpus)
    engine.rank(engine.make_query("NSTRI는 무엇인가요?"))
    assert ranking.searches > 0
    # Fused after the built-in rankings, in registration order.
    assert [r.name for r in engine.ranker.rankings] == ["titles", "syllables", "phrases", "length"]


def test_build_settings_are_the_parts_parameters() -> None:
    assert registry.build_settings() >= {"faiss_factory", "language_centering", "bm25_k1"}
    assert "top_k" not in registry.build_settings()
