"""The parts of an index, in one registry: a build makes, saves and loads each, in this order.

A new ranking is one module here (its part, building, saving and loading it, and its ranking,
fused by ``rag.retrieval.hybrid``) and one line in ``PARTS``. The fused rankings are fused in
their order here, after dense and BM25.
"""

from __future__ import annotations

from typing import Any

from rag.parts.base import BuildContext, IndexPart, LoadContext, read_params, write_params
from rag.parts.bm25 import BM25Part
from rag.parts.dense import DensePart
from rag.parts.lexicons import LexiconsPart
from rag.parts.phrases import PhrasesPart
from rag.parts.sentences import SentencesPart
from rag.parts.syllables import SyllablesPart
from rag.parts.titles import TitlesPart

PARTS: tuple[IndexPart[Any], ...] = (
    DensePart(),
    BM25Part(),
    TitlesPart(),
    SyllablesPart(),
    PhrasesPart(),
    LexiconsPart(),
    SentencesPart(),
)


def build_settings() -> frozenset[str]:
    """The settings that the parts' build parameters come from."""
    from rag.config import Settings

    defaults = Settings()
    return frozenset(name for part in PARTS for name in part.params(defaults))


__all__ = [
    "PARTS",
    "BuildContext",
    "IndexPart",
    "LoadContext",
    "build_settings",
    "read_params",
    "write_params",
]
