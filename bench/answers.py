"""Whether a change moves any answer: the dev sets' answers dumped, then compared.

    python -m bench.answers dump before.json      # at the commit before the change
    python -m bench.answers dump after.json       # at the change
    python -m bench.answers compare before.json after.json

``dump`` answers every question of the three dev sets in ``eval/sets`` (top 10) over the
index in ``--index-dir`` (default ``var/bench-index``; built there on first use from
``bench.sharded``'s news corpus, the embedding cache making a rebuild cheap) and writes the
answers whole. ``compare`` counts the questions whose answer is the same whole (passages,
order, scores, offsets, confidence, found) and whose passages are the same in the same order,
and names the first that differ. Run the two dumps with the same index build.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.sharded import questions, write_corpus
from index.builder import build_index
from index.loader import load_current
from index.store import IndexStore
from rag.config import get_settings
from rag.embedding.encoder import Encoder

DEFAULT_INDEX = Path("var/bench-index")
ENGLISH_ARTICLES = 150  # besides those the dev sets name, as in docs/scale.md's bench
TOP_K = 10
SHOWN = 5  # differing questions named


def dump(out: Path, root: Path) -> None:
    settings = get_settings().but(index_dir=root / "index")
    encoder = Encoder(settings)
    asked = questions()
    if IndexStore(settings.service.index_dir).current() is None:
        root.mkdir(parents=True, exist_ok=True)
        build_index([write_corpus(root, ENGLISH_ARTICLES, asked)], settings, encoder)
    manifest, engine = load_current(settings, encoder)
    answers = [engine.answer(str(q["question"]), TOP_K).to_dict() for q in asked]
    record = {"build": manifest.build_id, "answers": answers}
    out.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    print(f"{len(answers)} answers over build {manifest.build_id} written to {out}")


def _passages(answer: dict[str, Any]) -> list[str]:
    return [str(p["chunk_id"]) for p in answer["passages"]]


def compare(first: Path, second: Path) -> int:
    a, b = (json.loads(path.read_text("utf-8")) for path in (first, second))
    if a["build"] != b["build"] or len(a["answers"]) != len(b["answers"]):
        print(f"not comparable: builds {a['build']} and {b['build']}", file=sys.stderr)
        return 2
    pairs = list(zip(a["answers"], b["answers"], strict=True))
    whole = sum(x == y for x, y in pairs)
    passages = sum(_passages(x) == _passages(y) for x, y in pairs)
    print(
        f"same answer, whole: {whole}/{len(pairs)}; same passages in order: {passages}/{len(pairs)}"
    )
    for question in [x["question"] for x, y in pairs if x != y][:SHOWN]:
        print(f"  differs: {question}")
    return 0 if whole == len(pairs) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="answer the dev sets and write the answers")
    dumping.add_argument("out", type=Path)
    dumping.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX)
    comparing = commands.add_parser("compare", help="compare two dumps")
    comparing.add_argument("first", type=Path)
    comparing.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.out, args.index_dir)
        return 0
    return compare(args.first, args.second)


if __name__ == "__main__":
    sys.exit(main())
