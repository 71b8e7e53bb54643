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
