"""``rag eval``: run question sets, print the tables, optionally write a report."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import asdict
from pathlib import Path

from eval.datasets import load_eval_set
from eval.report import language_table, main_table, write_report
from eval.runner import Method, SetResult, run_set
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import InputError
from rag.retrieval.hybrid import METHODS


def parse_methods(methods: str, compare: list[str]) -> list[Method]:
    chosen = [Method(m.strip()) for m in methods.split(",") if m.strip()]
    for spec in compare:
        pairs = []
        for item in spec.split(","):
            key, _, value = item.partition("=")
            if not key.strip() or not value.strip():
                raise InputError(f"--compare expects KEY=VALUE[,KEY=VALUE], got {spec!r}")
            pairs.append((key.strip().lower(), value.strip()))
        chosen.append(Method("hybrid", tuple(pairs)))
    for method in chosen:
        if method.base not in METHODS:
            raise InputError(f"unknown method {method.base!r}; expected {', '.join(METHODS)}")
    return chosen


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    methods = parse_methods(args.methods, args.compare)
    for method in methods:
        method.settings(settings)  # invalid overrides fail here, before any work
    if args.limit is not None and args.limit < 1:
        raise InputError("--limit must be at least 1")
    if args.gold_removed < 0:
        raise InputError("--gold-removed must be 0 or more")
    corpus = [Path(p) for p in (args.corpus or settings.eval_news_corpus)]
    sets = [load_eval_set(Path(s), corpus) for s in args.suites]
    # Rankings deep enough for recall@100 at document level.
    settings = settings.model_copy(
        update={"candidates": max(settings.candidates, settings.eval_candidates)}
    )
    encoder = Encoder(settings)
    outcomes: list[SetResult] = []
    for eval_set in sets:
        outcomes.append(
            run_set(
                eval_set,
                methods,
                settings,
                encoder,
                limit=args.limit,
                gold_removed=args.gold_removed,
                progress=not args.quiet,
                log=lambda line: print(line, file=sys.stderr),
            )
        )
    print(main_table(outcomes))
    print()
    print(language_table(outcomes))
    if args.out:
        out = Path(args.out)
        command = "rag eval " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        report = write_report(outcomes, out, command)
        with (out / "questions.jsonl").open("w", encoding="utf-8") as handle:
            for outcome in outcomes:
                for result in outcome.results:
                    row = {"set": outcome.eval_set.name, **asdict(result)}
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                for removed in outcome.gold_removed:
                    row = {"set": outcome.eval_set.name, "gold_removed": True, **asdict(removed)}
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"\nreport written to {report}", file=sys.stderr)
    return 0
