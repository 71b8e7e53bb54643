"""Build throughput on Ray with 1 and 2 local workers, against the local build, in one run.

    python -m bench.ray_build --articles 60 --out bench-out

Needs the ray extra (``pip install '.[ray]'``). Takes the first ``--articles`` articles with
text of each news corpus (Korean and English) and builds them three times with an empty
embedding cache each, so every passage is encoded: locally (``rag build``), then on a local
Ray cluster of one node with 1 CPU and of two nodes with 1 CPU each (``rag build --ray``:
one model actor per CPU). Each Ray build is checked against the local one (same articles,
chunks and corpus fingerprint; vectors within 1e-4). The cluster's nodes share this machine's
cores, so two workers on a two-core machine show the overhead of the path, not the gain of
a second machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.http import free_port
from bench.results import write_results
from eval.command import run as run_command
from eval.report import markdown_table
from index.builder import BuildResult, build_index
from index.files import ARTICLES_FILE, CHUNKS_FILE
from rag.config import get_settings
from rag.embedding.encoder import Encoder

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
NEWS = (
    SHARED / "corpora/science-news-ko/articles.jsonl",
    SHARED / "corpora/health-news-en/articles.jsonl",
)
RAY = str(Path(sys.executable).parent / "ray")


def write_corpus(folder: Path, per_corpus: int) -> None:
    """The first ``per_corpus`` articles with text of each news corpus, a file each."""
    for source in NEWS:
        with source.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle]
        kept = [row for row in rows if row.get("text")][:per_corpus]
        (folder / f"{source.parent.name}.jsonl").write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in kept), "utf-8"
        )


def _ray_env() -> dict[str, str]:
    # Token authentication off, as the nodes and this process expect, even where an earlier
    # local `ray.init()` left a token in ~/.ray (the head would then demand it).
    return {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}


def start_cluster(nodes: int) -> str:
    """Start ``nodes`` Ray nodes of one CPU each on 127.0.0.1; their address."""
    address = f"127.0.0.1:{free_port()}"
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--disable-usage-stats"]
    port = address.split(":")[1]
    head = [RAY, "start", "--head", "--port", port, "--include-dashboard", "false", *common]
    try:
        subprocess.run(head, check=True, capture_output=True, env=_ray_env())
        for _ in range(nodes - 1):
            subprocess.run(
                [RAY, "start", "--address", address, *common],
                check=True,
                capture_output=True,
                env=_ray_env(),
            )
    except BaseException:
        stop_cluster()
        raise
    return address


def stop_cluster() -> None:
    """Stop every Ray node of this machine, this process's connection first."""
    import ray

    ray.shutdown()
    stop_nodes()


def stop_nodes() -> None:
    """Stop every Ray node of this machine (several seconds: Ray waits for its processes)."""
    subprocess.run([RAY, "stop", "--force"], capture_output=True, env=_ray_env())


@contextmanager
def local_cluster(nodes: int) -> Iterator[str]:
    """``nodes`` Ray nodes of one CPU each on 127.0.0.1; yields the address."""
    address = start_cluster(nodes)
    try:
        yield address
    finally:
        stop_cluster()


def timed_build(corpus: Path, root: Path, ray_address: str | None) -> tuple[BuildResult, float]:
    settings = get_settings().but(index_dir=root / "index", cache_dir=root / "cache")
    encoder = Encoder(settings)
    started = time.perf_counter()
    result = build_index([corpus], settings, encoder, progress=False, ray_address=ray_address)
    return result, time.perf_counter() - started


# Row for row the same passages: bfloat16 builds (the default) depend a little on what a text
# is batched with (a cosine within 1e-5); another passage's vector is far off.
SAME_COSINE = 1 - 1e-4


def least_row_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The least cosine between the rows of two builds' unit vectors, row for row."""
    return float(np.min(np.sum(a * b, axis=1), initial=1.0))


def same_build(a: BuildResult, b: BuildResult) -> bool:
    vectors = [np.load(r.folder / "dense" / "vectors.npy") for r in (a, b)]
    return (
        a.manifest.corpus_fingerprint == b.manifest.corpus_fingerprint
        and all(
            (a.folder / f).read_bytes() == (b.folder / f).read_bytes()
            for f in (ARTICLES_FILE, CHUNKS_FILE)
        )
        and vectors[0].shape == vectors[1].shape
        and least_row_cosine(*vectors) > SAME_COSINE
    )


@dataclass
class Run:
    path: str
    workers: int
    seconds: float
    same_as_local: bool
    result: BuildResult

    def figures(self, local_seconds: float) -> dict[str, Any]:
        counts = self.result.manifest.counts
        return {
            "path": self.path,
            "workers": self.workers,
            "articles": counts["articles"],
            "passages": counts["chunks"],
            "seconds": round(self.seconds, 1),
            "passages_per_s": round(counts["chunks"] / self.seconds, 2),
            "to_local": round(local_seconds / self.seconds, 2),
            "same_as_local": self.same_as_local,
        }


def run(per_corpus: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        write_corpus(corpus, per_corpus)
        local, seconds = timed_build(corpus, root / "local", None)
        runs = [Run("local", 1, seconds, True, local)]
        for nodes in (1, 2):
            with local_cluster(nodes) as address:
                on_ray, seconds = timed_build(corpus, root / f"ray{nodes}", address)
            runs.append(Run("ray", nodes, seconds, same_build(local, on_ray), on_ray))
        return [r.figures(runs[0].seconds) for r in runs]


def table(rows: Sequence[dict[str, Any]]) -> str:
    return markdown_table(
        [
            "build",
            "workers",
            "articles",
            "passages",
            "s",
            "passages/s",
            "speed vs local",
            "same as local",
        ],
        [
            [
                r["path"],
                str(r["workers"]),
                str(r["articles"]),
                str(r["passages"]),
                f"{r['seconds']:.1f}",
                f"{r['passages_per_s']:.2f}",
                f"{r['to_local']:.2f}",
                "yes" if r["same_as_local"] else "NO",
            ]
            for r in rows
        ],
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=60, help="articles of each corpus")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    rows = run(args.articles)
    write_results(args.out, "ray-build", table(rows), rows)


if __name__ == "__main__":
    run_command(main, "python -m bench.ray_build")
