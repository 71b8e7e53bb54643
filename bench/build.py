"""Index build throughput against the bare model on the same chunks, and unchanged rebuilds."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

from bench.stats import median
from index.builder import build_index
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.ingest import read_articles
from rag.pipeline import chunk_articles, clean_articles, drop_duplicates, make_chunker

SAMPLE_SEED = 3


@dataclass
class BuildFigures:
    articles: int
    chunks: int
    cold_s: float
    articles_per_s: float
    chunks_per_s: float
    embed_s: float
    rebuild_median_s: float
    bare_chunks_per_s: float
    bare_sample: int

    @property
    def pipeline_to_bare(self) -> float:
        return self.chunks_per_s / self.bare_chunks_per_s


def pipeline_passages(paths: list[Path], settings: Settings, encoder: Encoder) -> list[str]:
    """The passages a build of ``paths`` embeds, made in memory by the same pipeline steps."""
    cleaned, _ = clean_articles(read_articles(paths).articles, settings)
    kept, _ = drop_duplicates(cleaned, settings)
    chunker = make_chunker(
        settings,
        encoder.count_tokens,
        max_tokens=encoder.max_tokens,
        overhead_tokens=encoder.overhead_tokens(),
    )
    return chunk_articles(kept, chunker, settings)[2]


def bench_build(
    paths: list[Path], settings: Settings, encoder: Encoder, *, sample: int, repeats: int
) -> BuildFigures:
    """Build cold (empty embedding cache), rebuild ``repeats`` times, time the bare model."""
    started = time.perf_counter()
    result = build_index(paths, settings, encoder, progress=True)
    cold_s = time.perf_counter() - started
    counts = result.manifest.counts

    rebuilds = []
    for _ in range(repeats):
        started = time.perf_counter()
        again = build_index(paths, settings, encoder, progress=False)
        rebuilds.append(time.perf_counter() - started)
        assert again.encoded == 0, "an unchanged rebuild must not encode"

    # The bare model on a sample of the very passages the pipeline embedded.
    passages = pipeline_passages(paths, settings, encoder)
    chosen = random.Random(SAMPLE_SEED).sample(passages, min(sample, len(passages)))
    bare = []
    for _ in range(repeats):
        started = time.perf_counter()
        encoder.model.encode(
            chosen,
            prompt_name=encoder.passage_prompt,
            batch_size=encoder.batch_size,
            normalize_embeddings=True,
        )
        bare.append(len(chosen) / (time.perf_counter() - started))
    return BuildFigures(
        articles=counts["articles"],
        chunks=counts["chunks"],
        cold_s=cold_s,
        articles_per_s=counts["articles"] / cold_s,
        chunks_per_s=counts["chunks"] / cold_s,
        embed_s=result.manifest.timings_s.get("embed", float("nan")),
        rebuild_median_s=median(rebuilds),
        bare_chunks_per_s=median(bare),
        bare_sample=len(chosen),
    )
