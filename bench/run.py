"""The benchmark: ``python -m bench.run [--sections build,query,scaling]``.

Measures on the health-news corpus (English health news + Korean science news + the seed):
index build throughput beside the bare model on the same chunks, unchanged rebuilds, ``/ask``
latency over HTTP at concurrency 1 and 8 beside the bare model's query encoding, the server's
peak memory, and FAISS index types at 10k/100k/1M vectors. Prints tables and writes
``results-<section>.md`` per section and ``results.json`` (merged across runs) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.build import bench_build
from bench.http import LatencyRow, Server, in_process_search, load_test, peak_rss_mb
from bench.scaling import run_scaling
from eval.command import run as run_command
from index.builder import build_index
from index.loader import load_current
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import IndexStoreError

PROJECT = Path(__file__).resolve().parent.parent
QUESTION_FILES = (
    PROJECT.parent / "shared" / "evalsets" / "seed-qa" / "questions.jsonl",
    PROJECT / "eval" / "sets" / "crosslingual-dev" / "questions.jsonl",
)


def _questions() -> list[str]:
    questions = []
    for path in QUESTION_FILES:
        if path.is_file():
            questions += [json.loads(line)["question"] for line in path.open() if line.strip()]
    return questions or ["what is NSTRI?", "NSTRI는 무엇인가요?"]


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


@dataclass
class BenchRun:
    """One ``bench.run`` invocation: where results go, the settings measured, what was written."""

    out: Path
    base: Settings
    settings: Settings
    corpus: list[Path]
    encoder: Encoder
    repeats: int
    results: dict[str, Any]
    written: list[Path] = field(default_factory=list)

    @property
    def header(self) -> str:
        return f"Command: `{self.results['command']}`; {self.results['machine']}"

    def publish(self, section: str, lines: list[str]) -> None:
        path = self.out / f"results-{section}.md"
        path.write_text("\n\n".join([self.header, *lines]) + "\n")
        self.written.append(path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--corpus",
        action="append",
        metavar="PATH",
        help="articles to index (default: RAG_EVAL_NEWS_CORPUS)",
    )
    parser.add_argument("--sections", default="build,query,scaling")
    parser.add_argument("--out", default="bench-out")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--requests", type=int, default=120, help="HTTP requests per run")
    parser.add_argument("--bare-sample", type=int, default=400, help="chunks for the bare model")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    return parser


def run_build_section(run: BenchRun, bare_sample: int) -> None:
    if (run.out / "cache").exists():
        import shutil

        shutil.rmtree(run.out / "cache")
    figures = bench_build(
        run.corpus, run.settings, run.encoder, sample=bare_sample, repeats=run.repeats
    )
    run.results["build"] = {**asdict(figures), "pipeline_to_bare": figures.pipeline_to_bare}
    table = _table(
        [
            "articles",
            "chunks",
            "cold build s",
            "articles/s",
            "chunks/s",
            "bare model chunks/s",
            "pipeline ÷ bare",
            "unchanged rebuild s (median)",
        ],
        [
            [
                str(figures.articles),
                str(figures.chunks),
                f"{figures.cold_s:.1f}",
                f"{figures.articles_per_s:.2f}",
                f"{figures.chunks_per_s:.2f}",
                f"{figures.bare_chunks_per_s:.2f}",
                f"{figures.pipeline_to_bare:.2f}",
                f"{figures.rebuild_median_s:.1f}",
            ]
        ],
    )
    print(table)
    run.publish("build", ["## Index build", table])


def _http_rows(
    run: BenchRun, questions: list[str], requests: int
) -> tuple[list[LatencyRow], float]:
    """``/ask`` over HTTP at concurrency 1 and 8, and the server's peak memory (MiB)."""
    rows = []
    with Server(run.settings.service.index_dir) as server:
        for concurrency in (1, 8):
            runs = [
                load_test(server.base, questions, requests, concurrency, run.encoder)
                for _ in range(run.repeats)
            ]
            beside = [r.bare_ms for r in runs if r.bare_ms is not None]
            rows.append(
                LatencyRow(
                    runs[0].what,
                    concurrency,
                    sorted(r.median_ms for r in runs)[len(runs) // 2],
                    sorted(r.p95_ms for r in runs)[len(runs) // 2],
                    sorted(r.per_s for r in runs)[len(runs) // 2],
                    sorted(beside)[len(beside) // 2] if beside else None,
                )
            )
        memory = peak_rss_mb(server.process.pid)
    return rows, memory


def run_query_section(run: BenchRun, requests: int) -> None:
    questions = _questions()
    try:
        manifest, engine = load_current(run.settings, run.encoder)
    except IndexStoreError as exc:  # none yet, or one in an older format: (re)build it
        print(f"{exc}\nbuilding the query index from {', '.join(map(str, run.corpus))}")
        build_index(run.corpus, run.settings, run.encoder)
        manifest, engine = load_current(run.settings, run.encoder)
    # Ranking's share of a request grows with the index: say which one was measured.
    served = (
        f"Index: {run.settings.service.index_dir}, build {manifest.build_id}: "
        f"{manifest.counts.get('chunks', 0):,} passages of "
        f"{manifest.counts.get('articles', 0):,} articles."
    )
    rows: list[LatencyRow] = in_process_search(engine, run.encoder, questions, run.repeats)
    del engine
    http_rows, memory = _http_rows(run, questions, requests)
    rows += http_rows
    bare_ms = rows[0].median_ms
    run.results["query"] = {
        "rows": [asdict(r) for r in rows],
        "server_peak_rss_mb": memory,
        "questions": len(questions),
        "index": served,
    }
    table = _table(
        [
            "what",
            "concurrency",
            "median ms",
            "p95 ms",
            "per second",
            "bare encoding ms",
            "median ÷ bare encoding",
        ],
        [
            [
                r.what,
                str(r.concurrency),
                f"{r.median_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{r.per_s:.1f}",
                f"{r.bare_ms or bare_ms:.1f}",
                f"{r.median_ms / (r.bare_ms or bare_ms):.2f}",
            ]
            for r in rows
        ],
    )
    print(table)
    print(f"server peak memory (VmHWM): {memory:.0f} MiB")
    run.publish(
        "query",
        [
            "## Query latency",
            f"{len(questions)} distinct questions (seed-qa, cross-lingual dev set), cycled. "
            "In-process rows are divided by the bare encoding timed question by question "
            "between them; /ask at concurrency 1 by the bare encoding timed before each "
            "request; at concurrency 8 by the in-process bare row.",
            served,
            table,
            f"Server peak memory (VmHWM): {memory:.0f} MiB",
        ],
    )


def run_scaling_section(run: BenchRun, sizes: list[int]) -> None:
    started = time.perf_counter()
    base = run.base
    scaling = run_scaling(
        sizes,
        run.encoder.dimension,
        ef_search=base.service.faiss_ef_search,
        nprobe=base.service.faiss_nprobe,
        repeats=run.repeats,
    )
    run.results["scaling"] = [asdict(r) for r in scaling]
    table = _table(
        ["vectors", "index", "build s", "median ms", "p95 ms", "recall@10 vs exact", "MiB"],
        [
            [
                f"{r.vectors:,}",
                r.factory,
                f"{r.build_s:.1f}",
                f"{r.median_ms:.3f}",
                f"{r.p95_ms:.3f}",
                f"{r.recall_at_10:.3f}",
                f"{r.memory_mb:.0f}",
            ]
            for r in scaling
        ],
    )
    print(table)
    run.publish(
        "scaling",
        [
            f"## FAISS scaling (dimension {run.encoder.dimension}, efSearch "
            f"{base.service.faiss_ef_search}, nprobe {base.service.faiss_nprobe}; "
            f"{time.perf_counter() - started:.0f} s)",
            table,
        ],
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sections = set(args.sections.split(","))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = Settings()
    # A fresh index and embedding cache under --out: the build is measured cold.
    settings = base.but(index_dir=out / "index", cache_dir=out / "cache", reload_interval_s=0)
    run = BenchRun(
        out=out,
        base=base,
        settings=settings,
        corpus=[Path(p) for p in (args.corpus or base.eval.eval_news_corpus)],
        encoder=Encoder(settings),
        repeats=args.repeats,
        results={
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "command": "python -m bench.run " + " ".join(sys.argv[1:]),
        },
    )
    if "build" in sections:
        run_build_section(run, args.bare_sample)
    if "query" in sections:
        run_query_section(run, args.requests)
    if "scaling" in sections:
        run_scaling_section(run, [int(size) for size in args.sizes.split(",")])
    merged_path = out / "results.json"
    merged = json.loads(merged_path.read_text()) if merged_path.is_file() else {}
    merged.update(run.results)  # sections not run this time keep their last figures
    merged_path.write_text(json.dumps(merged, indent=2))
    print(f"\nwritten to {', '.join(str(p) for p in run.written)} and {merged_path}")
    return 0


if __name__ == "__main__":
    run_command(main, "python -m bench.run")
