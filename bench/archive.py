"""An archive's changes against a full rebuild: `rag build --add`, a correction and
`rag delete`, each timed as a user runs it, beside building everything again.

    python -m bench.archive --articles 600 --out bench-out

Takes the first ``--articles`` articles with text of the English news corpus: all but the
last 20 are the archive, the last 20 arrive later (``--add``), then corrected versions of 5
archived articles (``--add`` of a file with the same ids), then 5 articles are pulled
(``rag delete``). The late and corrected texts carry a mark of the run, so the model encodes
their passages whatever an earlier run left in the cache. Every step is a ``rag`` command in
a process of its own (the model loads each time, as it does for a user) against the same index
folder, with the default embedding and chunk caches: a full rebuild of unchanged articles
encodes and cuts nothing, so the table separates what the model costs (``encoded``) from what
rebuilding the other parts costs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.results import write_results
from eval.command import run as run_command
from eval.report import markdown_table
from index.manifest import Manifest
from index.store import IndexStore

ENGLISH_NEWS = Path("../shared/corpora/health-news-en/articles.jsonl")
LATE = 20  # articles that arrive after the archive is built
CHANGED = 5  # articles corrected, then articles deleted


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _timed(args: list[str], index_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args, "--quiet", "--index-dir", str(index_dir)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"rag {' '.join(args)} failed: {done.stderr.strip()}")
    folder = IndexStore(index_dir).current()
    assert folder is not None
    manifest = Manifest.read(folder)
    return {
        "seconds": round(seconds, 1),
        "articles": manifest.counts["articles"],
        "passages": manifest.counts["chunks"],
        "encoded": manifest.counts["encoded"],
    }


def run(articles: int) -> list[dict[str, Any]]:
    with ENGLISH_NEWS.open(encoding="utf-8") as handle:
        rows = [row for row in map(json.loads, handle) if row.get("text")][:articles]
    # A mark of this run makes the late and corrected articles new to the embedding cache, so
    # that what they cost the model shows whatever earlier runs stored.
    mark = f"(Filed {time.time_ns()}.)"
    archive = rows[:-LATE]
    late = [{**row, "text": f"{row['text']}\n\n{mark}"} for row in rows[-LATE:]]
    corrected = [
        {**row, "text": f"{row['text']}\n\nCorrection: an earlier version erred. {mark}"}
        for row in archive[:CHANGED]
    ]
    pulled = [str(row["id"]) for row in archive[CHANGED : 2 * CHANGED]]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        root = Path(tmp)
        index_dir = root / "index"
        base = _write(root / "archive.jsonl", archive)
        steps: list[tuple[str, list[str]]] = [
            ("full build of the archive", ["build", str(base)]),
            (
                f"--add {LATE} new articles",
                ["build", "--add", str(_write(root / "late.jsonl", late))],
            ),
            (
                f"--add corrections of {CHANGED}",
                ["build", "--add", str(_write(root / "corrections.jsonl", corrected))],
            ),
            (f"delete {CHANGED} articles", ["delete", *pulled]),
        ]
        for name, args in steps:
            results.append({"step": name, **_timed(args, index_dir)})
        inputs = Manifest.read(IndexStore(index_dir).current() or root).inputs
        excluded = [f"--exclude={i}" for i in pulled]
        results.append(
            {
                "step": "full rebuild of the same inputs",
                **_timed(["build", *inputs, *excluded], index_dir),
            }
        )
    return results


def table(rows: Sequence[dict[str, Any]]) -> str:
    rebuild = rows[-1]["seconds"]
    return markdown_table(
        ["step", "s", "vs full rebuild", "articles", "passages", "encoded"],
        [
            [
                r["step"],
                f"{r['seconds']:.1f}",
                f"{r['seconds'] / rebuild:.2f}",
                f"{r['articles']:,}",
                f"{r['passages']:,}",
                f"{r['encoded']:,}",
            ]
            for r in rows
        ],
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    rows = run(args.articles)
    write_results(args.out, "archive", table(rows), rows)


if __name__ == "__main__":
    run_command(main, "python -m bench.archive")
