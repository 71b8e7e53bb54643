"""``rag eval``: run question sets, print the tables, optionally write a report."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from eval.datasets import load_eval_set
from eval.fitting import (
    ABSTAIN_MAX_FALSE,
    FIT_MAX_PER_GROUP,
    HeldOutRates,
    Sample,
    leave_one_set_out,
)
from eval.options import compare_pairs
from eval.report import (
    held_out_table,
    language_table,
    main_table,
    served_table,
    write_report,
)
from eval.runner import Method, SetResult, run_set
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import InputError
from rag.retrieval.hybrid import METHODS


def parse_methods(methods: str, compare: list[str]) -> list[Method]:
    chosen = [Method(m.strip()) for m in methods.split(",") if m.strip()]
    chosen += [Method("hybrid", compare_pairs(spec)) for spec in compare]
    for method in chosen:
        if method.base not in METHODS:
            raise InputError(f"unknown method {method.base!r}; expected {', '.join(METHODS)}")
    return chosen


HELD_OUT_NOTE = (
    "Abstention with each set held out: the model (the inputs the settings weigh, the "
    "threshold that keeps every fitted set's false abstention within "
    f"{ABSTAIN_MAX_FALSE:.0%}) fitted on the other sets' default-hybrid questions (at most "
    f"{FIT_MAX_PER_GROUP} of a kind per set), then scored on all of the held-out set's, "
    "complete lexical matches answered as the service does."
)


def held_out_rates(outcomes: Sequence[SetResult], settings: Settings) -> list[HeldOutRates]:
    """Leave-one-set-out abstention rates from the default hybrid method's signals."""
    samples = [
        Sample(outcome.eval_set.name, kind, np.array(features), kind == "answerable")
        for outcome in outcomes
        for kind, features in [
            *(
                ("answerable" if r.answerable else "unanswerable", r.features)
                for r in outcome.results
                if r.method == "hybrid"
            ),
            *(("gold-removed", r.features) for r in outcome.gold_removed if r.method == "hybrid"),
        ]
        if features is not None
    ]
    if len({s.suite for s in samples}) < 2:
        return []
    keep = (np.array(settings.query.abstain_weights) != 0).astype(float)
    return leave_one_set_out(
        samples, keep, ABSTAIN_MAX_FALSE, settings.query.abstain_full_match_standout
    )


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    methods = parse_methods(args.methods, args.compare)
    for method in methods:
        method.settings(settings)  # invalid overrides fail here, before any work
    if args.limit is not None and args.limit < 1:
        raise InputError("--limit must be at least 1")
    if args.gold_removed < 0:
        raise InputError("--gold-removed must be 0 or more")
    corpus = [Path(p) for p in (args.corpus or settings.eval.eval_news_corpus)]
    sets = [load_eval_set(Path(s), corpus) for s in args.suites]
    # Rankings deep enough for recall@100 at document level.
    settings = settings.but(
        candidates=max(settings.query.candidates, settings.eval.eval_candidates)
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
    print(served_table(outcomes))
    print()
    print(language_table(outcomes))
    held_out = held_out_rates(outcomes, settings)
    if held_out:
        print(f"\n{HELD_OUT_NOTE}\n")
        print(held_out_table(held_out))
    if args.out:
        out = Path(args.out)
        command = "rag eval " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        report = write_report(outcomes, out, command, held_out, HELD_OUT_NOTE)
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
