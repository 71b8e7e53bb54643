"""Whether two index builds are the same index: which files differ, and whether the BM25 parts,
whose vocabulary numbering may differ, score alike.

    CORPORA="../shared/corpora/health-news-en ../shared/corpora/science-news-ko ../shared/seed"
    git worktree add ../before e39d796
    (cd ../before && RAG_INDEX_DIR=/tmp/before python -m cli.main build $CORPORA)
    RAG_INDEX_DIR=/tmp/after python -m cli.main build $CORPORA
    python -m bench.compare_builds /tmp/before /tmp/after

Each argument is an index root (its ``CURRENT`` build is read) or a build folder. Files are
compared byte for byte (the manifest but its times and id); every BM25 part
(``bm25s`` folders) is loaded from both builds and scored on ``--queries`` random triples of
its terms, reporting the largest score difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.command import run as run_command
from index.store import IndexStore
from rag.lexical.bm25 import load_bm25

VOLATILE = ("build_id", "built_at", "timings_s")  # manifest fields that differ between runs


def _build(path: Path) -> Path:
    current = IndexStore(path).current()
    return current if current is not None else path


def _digests(root: Path) -> dict[str, str]:
    return {
        str(f.relative_to(root)): hashlib.sha1(f.read_bytes()).hexdigest()
        for f in sorted(root.rglob("*"))
        if f.is_file() and f.name != "manifest.json"
    }


def compare(a: Path, b: Path, queries: int) -> list[str]:
    lines = []
    first, second = _digests(a), _digests(b)
    lines.append(f"files only in one build: {sorted(set(first) ^ set(second)) or 'none'}")
    differing = sorted(k for k in first if k in second and first[k] != second[k])
    lines.append(f"files that differ: {differing or 'none'}")
    manifests = [json.loads((p / "manifest.json").read_text("utf-8")) for p in (a, b)]
    fields = sorted(
        k for k in manifests[0] if k not in VOLATILE and manifests[0][k] != manifests[1].get(k)
    )
    lines.append(f"manifest fields that differ: {fields or 'none'}")
    for vocab in sorted(a.glob("*/vocab.index.json")):
        part = vocab.parent.name
        models = [load_bm25(root / part) for root in (a, b)]
        if set(models[0].vocab_dict) != set(models[1].vocab_dict):
            lines.append(f"{part}: the vocabularies differ")
            continue
        terms = random.Random(1).sample(sorted(models[0].vocab_dict), 3 * queries)
        worst = max(
            float(np.abs(models[0].get_scores(q) - models[1].get_scores(q)).max())
            for q in (terms[i : i + 3] for i in range(0, len(terms), 3))
        )
        lines.append(
            f"{part}: {len(models[0].vocab_dict):,} terms, {queries} queries, "
            f"largest score difference {worst}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    print("\n".join(compare(_build(args.first), _build(args.second), args.queries)))


if __name__ == "__main__":
    run_command(main, "python -m bench.compare_builds")
