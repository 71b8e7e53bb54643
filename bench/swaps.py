"""Memory of a live index across repeated swaps: does the process give back an old build?

    python -m bench.swaps data/demo ../shared/corpora/health-news-en/articles.jsonl \
        --limit 300 --swaps 20

builds the corpus twice into a scratch index (the second build reuses the stored embeddings),
loads it into a :class:`~index.live.LiveIndex`, then points ``CURRENT`` at the other build and
refreshes, ``--swaps`` times, printing the resident memory (VmRSS) after every swap and
how many swapped-out engines (and their translators) are still alive.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from eval.command import run as run_command
from index.builder import build_index
from index.live import LiveIndex
from index.memory import rss_bytes
from index.store import IndexStore
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine

MIB = 1024 * 1024


@dataclass
class SwapFigures:
    chunks: int
    articles: int
    rss_loaded: int  # after the first load, before any swap
    rss_after: list[int]  # after each swap
    swap_s: list[float]  # seconds each swap took (load, warm-up, release)
    engines_alive: int  # engines swapped out still alive after the last swap
    translators_alive: int  # and their translators (lexicons, FAISS, analyzer)

    @property
    def growth(self) -> float:
        """RSS after the last swap over RSS after the first, minus one."""
        return self.rss_after[-1] / self.rss_after[0] - 1


def sliced(paths: list[Path], limit: int | None, scratch: Path) -> list[Path]:
    """``paths`` with each JSON-lines file cut to its first ``limit`` records with text."""
    if limit is None:
        return paths
    out = []
    for path in paths:
        if path.is_file() and path.suffix == ".jsonl":
            rows = []
            with path.open(encoding="utf-8") as source:
                for line in source:
                    if line.strip() and json.loads(line).get("text"):
                        rows.append(line if line.endswith("\n") else line + "\n")
                    if len(rows) == limit:
                        break
            target = scratch / f"{path.stem}-{limit}.jsonl"
            target.write_text("".join(rows), encoding="utf-8")
            out.append(target)
        else:
            out.append(path)
    return out


def swap_repeatedly(live: LiveIndex, builds: list[str], swaps: int) -> SwapFigures:
    """Point ``CURRENT`` at each of ``builds`` in turn and refresh, ``swaps`` times."""
    store = IndexStore(live.settings.service.index_dir)
    rss_loaded = rss_bytes()
    engines: list[weakref.ref[SearchEngine]] = []
    translators: list[weakref.ref[object]] = []
    rss_after = []
    swap_s = []
    for n in range(swaps):
        target = builds[n % len(builds)]
        if live.snapshot.folder.name == target:
            target = builds[(n + 1) % len(builds)]
        engines.append(weakref.ref(live.snapshot.engine))
        if live.snapshot.engine.translator is not None:
            translators.append(weakref.ref(live.snapshot.engine.translator))
        store.point_to(target)
        started = time.perf_counter()
        if not live.refresh():
            raise RuntimeError(f"swap {n + 1} to {target} did not happen")
        swap_s.append(time.perf_counter() - started)
        rss_after.append(rss_bytes())
    counts = live.snapshot.manifest.counts
    return SwapFigures(
        chunks=counts["chunks"],
        articles=counts["articles"],
        rss_loaded=rss_loaded,
        rss_after=rss_after,
        swap_s=swap_s,
        engines_alive=sum(ref() is not None for ref in engines),
        translators_alive=sum(ref() is not None for ref in translators),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, help="article files or folders")
    parser.add_argument("--limit", type=int, help="records taken from each JSON-lines file")
    parser.add_argument("--swaps", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-swaps-") as scratch_dir:
        scratch = Path(scratch_dir)
        paths = sliced(args.paths, args.limit, scratch)
        settings = Settings(index_dir=scratch / "index", reload_interval_s=0)
        encoder = Encoder(settings)
        builds = [build_index(paths, settings, encoder, progress=False).folder.name]
        builds.append(build_index(paths, settings, encoder, progress=False).folder.name)
        live = LiveIndex(settings, encoder)
        figures = swap_repeatedly(live, builds, args.swaps)
    print(f"index: {figures.articles} articles, {figures.chunks} chunks; {args.swaps} swaps")
    print(f"RSS loaded, before any swap: {figures.rss_loaded / MIB:,.0f} MiB")
    for n, (rss, seconds) in enumerate(zip(figures.rss_after, figures.swap_s, strict=True), 1):
        print(f"RSS after swap {n:2d}: {rss / MIB:,.0f} MiB (swap took {seconds:.1f} s)")
    print(
        f"RSS after swap {len(figures.rss_after)} vs after swap 1: {figures.growth:+.1%}; "
        f"swapped-out engines still alive: {figures.engines_alive}, "
        f"their translators: {figures.translators_alive}"
    )
    return 0


if __name__ == "__main__":
    run_command(main, "python -m bench.swaps")
