"""Peak memory of an index build as the corpus grows: does it stay flat beyond the index itself?

    python -m bench.build_memory --passages 10000 100000 --out bench-out

Each size is a synthetic corpus written to a temporary folder: articles of sentences drawn at
random (seeded) from the shared news corpora, Korean and English, so that no two articles
are near-copies and the build keeps them all. Each build runs ``rag``'s real pipeline (read,
clean, de-duplicate, chunk with the model's tokenizer, every index part with kiwipiepy) in a
fresh process whose peak resident memory (``VmHWM``) is read at the end. Only the passage
*vectors* are stand-ins (a seeded unit vector per text, instead of the model's): encoding
100k passages takes hours on two cores and does not change what the pipeline holds. The
table gives the peak above the process's memory after loading the model, per passage, beside
what the vectors and the index parts take on disk, so a pipeline that holds the corpus shows
as bytes per passage that stay high.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.http import peak_rss_mb
from bench.results import write_results
from eval.command import run as run_command
from eval.report import markdown_table
from index.memory import rss_bytes
from rag.config import get_settings
from rag.ingest import read_articles

if TYPE_CHECKING:
    from rag.embedding.encoder import Encoder

NEWS = (Path("../shared/corpora/health-news-en"), Path("../shared/corpora/science-news-ko"))
SEED = 5
SENTENCES_PER_ARTICLE = (6, 30)
# Article characters per passage at the default chunk size: the news corpora's 9.19M
# characters make 8,874 passages. The table reports the passages each build really made.
CHARS_PER_PASSAGE = 1035
_SENTENCE_END = re.compile(r"(?<=[.!?다])\s+")


def sentence_pool(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """(sentence, source title) pairs of the corpora's articles."""
    pool = []
    for article in read_articles(list(paths)).articles:
        for sentence in _SENTENCE_END.split(article.text):
            if len(sentence.strip()) > 20:
                pool.append((sentence.strip(), article.title))
    return pool


def write_corpus(path: Path, passages: int, chars_per_passage: float, seed: int = SEED) -> int:
    """Synthetic articles of about ``passages`` passages in all, as JSON lines; their count."""
    pool = sentence_pool(NEWS)
    rng = random.Random(seed)
    budget = passages * chars_per_passage
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        while budget > 0:
            sentences = [rng.choice(pool) for _ in range(rng.randint(*SENTENCES_PER_ARTICLE))]
            text = " ".join(s for s, _ in sentences)
            title = f"{sentences[0][1][:60]} ({written})"
            row = {"id": f"synthetic-{written}", "title": title, "text": text}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            budget -= len(text)
            written += 1
    return written


def stand_in_vectors(dimension: int) -> Callable[..., np.ndarray]:
    def encode(
        texts: Sequence[str], prompt_name: str | None = None, backend: str | None = None
    ) -> np.ndarray:
        out = np.empty((len(texts), dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = zlib.crc32(f"{prompt_name}\0{text}".encode())
            vector = np.random.default_rng(seed).standard_normal(dimension)
            out[row] = vector / np.linalg.norm(vector)
        return out

    return encode


def with_stand_ins(encoder: Encoder, encode: Callable[..., np.ndarray] | None = None) -> Encoder:
    """``encoder`` with ``encode`` (default: :func:`stand_in_vectors`) for everything a build
    encodes, and a fingerprint of its own, so that no index or cache mixes them with the
    model's; questions packed with their words still go through the model."""
    stand_in = encode or stand_in_vectors(encoder.dimension)
    encoder._encode = stand_in  # type: ignore[method-assign]
    encoder.fingerprint = "stand-in-" + encoder.fingerprint
    return encoder


BEFORE_PARTS = "before the parts"


def reset_peak_rss() -> None:
    """Start this process's peak resident memory (``VmHWM``) again from its current size."""
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def watch_parts(peaks: dict[str, int]) -> None:
    """Record in ``peaks`` the peak resident memory while each index part is built and saved
    (the peak is started again before each part), and before the first part."""
    from rag import parts as registry

    for part in registry.PARTS:
        build, save = part.build, part.save

        def timed_build(context: Any, params: Any, _build: Any = build) -> Any:
            if not peaks:  # the first part: what reading, chunking and embedding peaked at
                peaks[BEFORE_PARTS] = round(peak_rss_mb(os.getpid()) * 1024 * 1024)
            reset_peak_rss()
            return _build(context, params)

        def timed_save(built: Any, folder: Path, _save: Any = save, _name: str = part.name) -> None:
            _save(built, folder)
            peaks[_name] = round(peak_rss_mb(os.getpid()) * 1024 * 1024)

        part.build = timed_build  # type: ignore[method-assign]
        part.save = timed_save  # type: ignore[method-assign]


def child(corpus: Path, root: Path) -> dict[str, object]:
    """Build ``corpus`` in this process; its figures."""
    from index.builder import build_index
    from rag.embedding.encoder import Encoder

    settings = get_settings().but(index_dir=root / "index", cache_dir=root / "cache")
    encoder = with_stand_ins(Encoder(settings))
    baseline = rss_bytes()
    part_peaks: dict[str, int] = {}
    watch_parts(part_peaks)
    started = time.perf_counter()
    result = build_index([corpus], settings, encoder, progress=False)
    seconds = time.perf_counter() - started
    # Before each part the peak started again: the build's own is the highest of all.
    parts = {
        p.name: sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        for p in result.folder.iterdir()
        if p.is_dir()
    }
    return {
        "articles": result.manifest.counts["articles"],
        "passages": result.manifest.counts["chunks"],
        "baseline_rss": baseline,
        "peak_rss": max([*part_peaks.values(), round(peak_rss_mb(os.getpid()) * 1024 * 1024)]),
        "part_peaks": part_peaks,
        "seconds": seconds,
        "vectors_bytes": result.manifest.counts["chunks"] * encoder.dimension * 4,
        "parts_bytes": parts,
        "timings_s": result.manifest.timings_s,
    }


def run_size(passages: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="build-memory-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus.jsonl"
        write_corpus(corpus, passages, CHARS_PER_PASSAGE)
        done = subprocess.run(
            [sys.executable, "-m", "bench.build_memory", "--child", str(corpus), str(root)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return figures


def table(rows: Sequence[dict[str, Any]]) -> str:
    """One line per size; "KiB per added passage" is the peak's growth from the line above,
    over the passages added: what holding the corpus costs, beside the vectors' 1.5 KiB."""
    mib = 1024 * 1024
    lines = []
    previous: dict[str, Any] | None = None
    for row in rows:
        passages = int(row["passages"])
        peak = int(row["peak_rss"])
        above = peak - int(row["baseline_rss"])
        growth = ""
        if previous is not None:
            added = passages - int(previous["passages"])
            growth = f"{(peak - int(previous['peak_rss'])) / added / 1024:,.1f}"
        lines.append(
            [
                f"{passages:,}",
                f"{int(row['articles']):,}",
                f"{peak / mib:,.0f}",
                f"{above / mib:,.0f}",
                growth,
                f"{int(row['vectors_bytes']) / passages / 1024:,.1f}",
                f"{sum(row['parts_bytes'].values()) / mib:,.0f}",
                f"{float(row['seconds']):,.0f}",
            ]
        )
        previous = row
    return markdown_table(
        [
            "passages",
            "articles",
            "peak RSS MiB",
            "above model MiB",
            "KiB per added passage",
            "vectors KiB per passage",
            "build on disk MiB",
            "build s",
        ],
        lines,
    )


def part_table(rows: Sequence[dict[str, Any]]) -> str:
    """Each part's peak (MiB) at each size, and its growth per added passage (KiB) from the
    first size to the last: which parts hold more as the corpus grows."""
    mib = 1024 * 1024
    with_parts = [row for row in rows if row.get("part_peaks")]
    if not with_parts:
        return ""
    names = list(with_parts[0]["part_peaks"])
    lines = [
        [f"{int(row['passages']):,}", *(f"{row['part_peaks'][n] / mib:,.0f}" for n in names)]
        for row in with_parts
    ]
    if len(with_parts) > 1:
        first, last = with_parts[0], with_parts[-1]
        added = int(last["passages"]) - int(first["passages"])
        lines.append(
            [
                "KiB per added passage",
                *(
                    f"{(last['part_peaks'][n] - first['part_peaks'][n]) / added / 1024:,.1f}"
                    for n in names
                ),
            ]
        )
    return markdown_table(["passages", *names], lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument(
        "--from-json", type=Path, help="print the table of an earlier run's results JSON"
    )
    parser.add_argument("--child", nargs=2, metavar=("CORPUS", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]))))
        return
    if args.from_json:
        saved = json.loads(args.from_json.read_text("utf-8"))
        print(table(saved) + "\n\n" + part_table(saved))
        return
    rows = []
    for passages in args.passages:
        print(f"building about {passages:,} passages...", file=sys.stderr, flush=True)
        rows.append(run_size(passages))
    parts = part_table(rows)
    write_results(args.out, "build-memory", table(rows) + ("\n\n" + parts if parts else ""), rows)


if __name__ == "__main__":
    run_command(main, "python -m bench.build_memory")
