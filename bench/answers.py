"""Whether a change moves any answer: the dev sets' answers dumped, then compared.

    python -m bench.answers dump before.json      # at the commit before the change
    python -m bench.answers dump after.json       # at the change
    python -m bench.answers compare before.json after.json

``dump`` answers every question of the three dev sets in ``eval/sets`` (top 10) over the
index in ``--index-dir`` (default ``var/bench-index``; built there on first use from
``bench.sharded``'s news corpus, the embedding cache making a rebuild cheap) and writes the
answers whole. ``compare`` counts the questions whose answer is the same whole (passages,
order, scores, offsets, confidence, found) and whose passages are the same in the same order,
and names the first that differ. Run the two dumps with the same index build, or, to compare
two ways of building (``--across-builds``), with builds of the same corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.sharded import questions, write_corpus
from eval.command import run as run_command
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
    record = {
        "build": manifest.build_id,
        "corpus": manifest.corpus_fingerprint,
        "answers": answers,
    }
    out.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    print(f"{len(answers)} answers over build {manifest.build_id} written to {out}")


def _passages(answer: dict[str, Any]) -> list[str]:
    return [str(p["chunk_id"]) for p in answer["passages"]]


def _without_scores(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer less its numbers (scores, confidence): what two builds' float noise moves."""
    passages = [{k: v for k, v in p.items() if k != "score"} for p in answer["passages"]]
    return {**{k: v for k, v in answer.items() if k != "confidence"}, "passages": passages}


def _largest_differences(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[float, float]:
    """The largest difference of a passage's score and of a confidence over ``pairs``."""
    scores = [
        abs(p["score"] - q["score"])
        for x, y in pairs
        for p, q in zip(x["passages"], y["passages"], strict=False)
    ]
    confidences = [abs(x["confidence"] - y["confidence"]) for x, y in pairs]
    return max(scores, default=0.0), max(confidences, default=0.0)


def compare(first: Path, second: Path, across_builds: bool = False) -> int:
    a, b = (json.loads(path.read_text("utf-8")) for path in (first, second))
    key = "corpus" if across_builds else "build"
    if a.get(key) != b.get(key) or len(a["answers"]) != len(b["answers"]):
        print(f"not comparable: {key} {a.get(key)} and {b.get(key)}", file=sys.stderr)
        return 2
    pairs = list(zip(a["answers"], b["answers"], strict=True))
    whole = sum(x == y for x, y in pairs)
    passages = sum(_passages(x) == _passages(y) for x, y in pairs)
    print(
        f"same answer, whole: {whole}/{len(pairs)}; same passages in order: {passages}/{len(pairs)}"
    )
    if whole < len(pairs):
        but_numbers = sum(_without_scores(x) == _without_scores(y) for x, y in pairs)
        score, confidence = _largest_differences(pairs)
        print(
            f"the same but for scores and confidence: {but_numbers}/{len(pairs)} (largest "
            f"differences: score {score:.2g}, confidence {confidence:.2g})"
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
    comparing.add_argument(
        "--across-builds",
        action="store_true",
        help="compare dumps of two builds of the same corpus (e.g. built on two backends)",
    )
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.out, args.index_dir)
        return 0
    return compare(args.first, args.second, args.across_builds)


if __name__ == "__main__":
    run_command(main, "python -m bench.answers")
