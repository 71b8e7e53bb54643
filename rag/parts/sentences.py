"""The sentences part: every article's sentences with their terms (``rag.sentence_table``),
for quoting and for re-ranking the first passages by their best sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag.parts.base import BuildContext, IndexPart, LoadContext
from rag.sentence_table import ARRAYS, SentenceTable

SENTENCES_FILE = "sentences.npz"


class SentencesPart(IndexPart[SentenceTable]):
    name = "sentences"

    def build(self, context: BuildContext, params: dict[str, Any]) -> SentenceTable:
        with context.bar(len(context.articles), "sentences", "article") as bar:
            return SentenceTable.build(context.articles, context.terms, on_articles=bar.update)

    def save(self, built: SentenceTable, folder: Path) -> None:
        np.savez(folder / SENTENCES_FILE, **built.to_arrays())  # type: ignore[arg-type]

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> SentenceTable:
        with np.load(folder / SENTENCES_FILE) as stored:
            return SentenceTable.from_arrays({name: stored[name] for name in ARRAYS})

    def counts(self, built: SentenceTable) -> dict[str, int]:
        return {"sentences": len(built.starts)}
