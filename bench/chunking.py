"""Chunking time with and without the chunker's memory of token counts, side by side.

    python -m bench.chunking --articles 250 --repeats 3 --out bench-out

Counting tokens is nearly all of chunking's time, and the splitter counts the same pieces
several times; the chunker remembers counts (``rag.chunking.COUNT_CACHE_SIZE``). Runs both
chunkers in turns on the same cleaned news articles (the first ``--articles`` of the English
corpus and every Korean one), checks they give the same chunks, and reports medians.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.results import write_results
from bench.stats import median
from eval.command import run as run_command
from eval.report import markdown_table
from rag.chunking import Chunker
from rag.config import get_settings
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.ingest import read_articles
from rag.pipeline import clean_articles, make_chunker

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
ENGLISH = SHARED / "corpora/health-news-en"
KOREAN = SHARED / "corpora/science-news-ko"


def _timed(chunker: Chunker, articles: Sequence[Article]) -> tuple[float, list[list[Chunk]]]:
    started = time.perf_counter()
    chunks = [chunker.split(a.id, a.text) for a in articles]
    return time.perf_counter() - started, chunks


def run(articles: int, repeats: int) -> list[dict[str, Any]]:
    settings = get_settings()
    encoder = Encoder(settings)
    english = read_articles([ENGLISH]).articles[:articles]
    cleaned, _ = clean_articles([*english, *read_articles([KOREAN]).articles], settings)

    def chunker() -> Chunker:
        return make_chunker(
            settings,
            encoder.count_tokens,
            max_tokens=encoder.max_tokens,
            overhead_tokens=encoder.overhead_tokens(),
        )

    seconds: dict[str, list[float]] = {"remembered": [], "counted every time": []}
    outputs = {}
    for _ in range(repeats):
        remembering = chunker()  # a fresh memory each run: a build starts with none
        counting = chunker()
        counting.count_tokens = encoder.count_tokens
        counting._splitter._length_function = encoder.count_tokens
        for name, each in (("counted every time", counting), ("remembered", remembering)):
            took, outputs[name] = _timed(each, cleaned)
            seconds[name].append(took)
    # Untimed: how many counts the splitter asks for, against the distinct pieces of each
    # article (what the chunker's memory can spare).
    asked: list[str] = []

    def recording(text: str) -> int:
        asked.append(text)
        return encoder.count_tokens(text)

    recorder = chunker()
    recorder.count_tokens = recording
    recorder._splitter._length_function = recording
    calls = distinct = 0
    for article in cleaned:
        asked.clear()
        recorder.split(article.id, article.text)
        calls, distinct = calls + len(asked), distinct + len(set(asked))
    same = outputs["remembered"] == outputs["counted every time"]
    passages = sum(len(c) for c in outputs["remembered"])
    base = median(seconds["counted every time"])
    return [
        {
            "chunker": name,
            "articles": len(cleaned),
            "passages": passages,
            "median_s": round(median(times), 2),
            "runs_s": [round(t, 2) for t in times],
            "speed_vs_counting": round(base / median(times), 2),
            "same_chunks": same,
            "counts_asked": calls,
            "distinct_pieces": distinct,
        }
        for name, times in seconds.items()
    ]


def table(rows: Sequence[dict[str, Any]]) -> str:
    return markdown_table(
        [
            "chunker",
            "articles",
            "passages",
            "median s",
            "runs s",
            "speed",
            "same chunks",
            "counts asked / distinct pieces",
        ],
        [
            [
                r["chunker"],
                str(r["articles"]),
                str(r["passages"]),
                f"{r['median_s']:.2f}",
                ", ".join(f"{t:.2f}" for t in r["runs_s"]),
                f"{r['speed_vs_counting']:.2f}×",
                "yes" if r["same_chunks"] else "NO",
                f"{r['counts_asked']:,} / {r['distinct_pieces']:,}",
            ]
            for r in rows
        ],
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=250, help="English articles")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    rows = run(args.articles, args.repeats)
    write_results(args.out, "chunking", table(rows), rows)


if __name__ == "__main__":
    run_command(main, "python -m bench.chunking")
