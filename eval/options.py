"""Arguments of ``rag eval`` (kept apart so the CLI can list them without loading eval)."""

from __future__ import annotations

import argparse


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "suites",
        nargs="+",
        metavar="SUITE",
        help="BEIR folder, SQuAD JSON, or questions.jsonl with answer spans",
    )
    parser.add_argument(
        "--corpus",
        action="append",
        metavar="PATH",
        help="corpus of answer-span sets (repeatable; default: RAG_EVAL_NEWS_CORPUS)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="reproducible sample of N questions")
    parser.add_argument(
        "--gold-removed",
        type=int,
        default=0,
        metavar="N",
        help="also ask N answerable questions per set with their gold documents left out of "
        "the index, and report how often hybrid answers 'not found'",
    )
    parser.add_argument(
        "--methods", default="bm25,dense,hybrid", help="comma-separated: bm25, dense, hybrid"
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="KEY=VALUE[,KEY=VALUE]",
        help="also run hybrid with these settings, e.g. --compare chunk_tokens=256",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="write report.md, plots and per-question results"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def compare_pairs(spec: str) -> tuple[tuple[str, str], ...]:
    """The settings of one ``--compare KEY=VALUE[,KEY=VALUE]``, keys lowercased; an input
    error when it is malformed or a key names no setting."""
    from rag.config import group_of
    from rag.errors import InputError

    pairs = []
    for item in spec.split(","):
        key, _, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not key or not value:
            raise InputError(f"--compare expects KEY=VALUE[,KEY=VALUE], got {spec!r}")
        try:
            group_of(key)
        except ValueError as exc:
            raise InputError(f"--compare {spec!r}: {exc}") from None
        pairs.append((key, value))
    return tuple(pairs)
