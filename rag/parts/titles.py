"""The titles part: a vector per distinct article title, for title ranking
(``rag.retrieval.title``), embedded with the title prompt. Like the passages, the titles of a
large archive get an approximate FAISS index (``rag.ann``: chosen for their number, its breadth
calibrated to ``ann_recall``); below ``ann_min_passages`` titles every one is scored."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.ann import Calibration, calibrate, choose_factory, is_approximate, set_breadth
from rag.config import Settings
from rag.parts.base import BuildContext, IndexPart, LoadContext, read_search, write_search
from rag.retrieval.title import TitleRetriever, TitleTable
from rag.vectors import build_faiss_index

TITLES_FILE = "titles.npz"
INDEX_FILE = "index.faiss"  # only for an approximate index: exact search needs none


class TitlesPart(IndexPart[TitleRetriever]):
    name = "titles"
    fused = True

    def params(self, settings: Settings) -> dict[str, Any]:
        return {
            "title_prompt": settings.encoder.title_prompt,
            "faiss_factory": settings.index.faiss_factory,
            "ann_min_passages": settings.index.ann_min_passages,
            "ann_recall": settings.index.ann_recall,
        }

    def build(self, context: BuildContext, params: dict[str, Any]) -> TitleRetriever:
        table = TitleTable.of(context.articles, context.chunks)
        # The encoder was made with the settings' title prompt, which these params record.
        vectors = context.embed(
            table.titles,
            context.encoder.encode_titles,
            namespace=f"title:{context.encoder.title_prompt}",
            desc="titles",
            unit="title",
        )
        built = TitleRetriever(vectors, table.chunk_titles, table.titled_articles)
        factory = choose_factory(
            len(vectors), str(params["faiss_factory"]), int(params["ann_min_passages"])
        )
        if factory != "Flat" and len(vectors):
            index = build_faiss_index(built.vectors, factory)
            if is_approximate(index):
                built.index, built.factory = index, factory
                built.calibration = calibrate(index, built.vectors, float(params["ann_recall"]))
        return built

    def save(self, built: TitleRetriever, folder: Path) -> None:
        np.savez(
            folder / TITLES_FILE,
            vectors=built.vectors,
            chunk_titles=built.chunk_titles,
            titled_articles=np.array(built.titled_articles, dtype=np.int64),
        )
        calibration = built.calibration
        if built.index is not None:
            faiss.write_index(built.index, str(folder / INDEX_FILE))
        search = {
            "factory": built.factory,
            "calibration": None if calibration is None else asdict(calibration),
        }
        write_search(folder, search)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> TitleRetriever:
        # The breadth is the build's calibrated one: the service's dense breadth is the
        # passages' index's, whose lists are not these.
        with np.load(folder / TITLES_FILE) as stored:
            loaded = TitleRetriever(
                stored["vectors"], stored["chunk_titles"], int(stored["titled_articles"])
            )
        # Exact unless the build made an index (builds from before titles had one never did).
        search = read_search(folder)
        if (folder / INDEX_FILE).is_file() and search is not None:
            loaded.index = faiss.read_index(str(folder / INDEX_FILE))
            loaded.factory = str(search["factory"])
            if search["calibration"] is not None:
                loaded.calibration = Calibration(**search["calibration"])
                set_breadth(loaded.index, loaded.calibration.breadth)
            loaded.chunks_by_title()  # the approximate search's grouping, before any question
        return loaded

    def rows(self, built: TitleRetriever) -> int:
        return len(built.chunk_titles)

    def counts(self, built: TitleRetriever) -> dict[str, int]:
        return {"titles": len(built.vectors)}
