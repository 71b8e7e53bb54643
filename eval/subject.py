"""Fit the subject model: ``python -m eval.subject SUITE... --samples FILE [--write]``.

Abstention hides an answer only when the evidence is very weak, so that answers in other
words than the article's are not hidden; a question the corpus is not about at all ("What is
the capital city of Canada?" of health news) then often comes back found. The subject model
is a second logistic model over the judge's signals, fitted on answerable questions against
questions asked of a corpus that is not about them (each set's questions asked of the other
sets' corpora, ``--foreign``) and questions the corpus does not answer. A found answer whose
question it scores under its threshold is marked uncertain, cited with a word that it may not
answer, and never hidden for it: the threshold is the highest that marks at most ``--budget``
of each fitted set's answerable questions that nothing marks already (answered "not found",
under the caution threshold, or complete lexical matches, which it never marks).

The questions are collected as ``python -m eval.abstention`` collects them (the same options,
and the same ``--samples`` file). ``--hold-out`` sets are left out of the fit and reported;
``--leave-one-out`` also fits without each set in turn. ``--write`` stores the model and the
record of its fit in ``rag/fitted/abstention.json`` beside the abstention model whose caution
it adds to; refitting that model (``python -m eval.abstention ... --write``) drops it until
this is run again.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

import numpy as np

from eval.abstention import add_sample_arguments, read_or_collect, related_suites
from eval.command import run
from eval.fitting import (
    SubjectRates,
    capped,
    complete_matches,
    fit_subject,
    probabilities,
    set_names,
    subject_leave_one_out,
    subject_rates,
)
from eval.report import markdown_table
from rag.abstention import FEATURES
from rag.config import Settings
from rag.fitted import ABSTENTION_FILE, write_json

# The judge's signals that say whether a question is about what the corpus holds at all.
SUBJECT_FEATURES = ("similarity", "standout", "coverage", "unknown_share", "cross")
# Most answerable questions of a fitted set the subject model may mark besides those marked
# already: a third of the one in ten the caution threshold may mark.
SUBJECT_BUDGET = 0.03


def already_warned(raw: np.ndarray, settings: Settings) -> np.ndarray:
    """Which samples the service answers "not found" or marks uncertain without the subject
    model: the settings' abstention model under its caution threshold (complete lexical
    matches aside)."""
    query = settings.query
    p = probabilities(raw, np.array(query.abstain_weights), query.abstain_bias)
    warned: np.ndarray = (p < max(query.caution_threshold, query.abstain_threshold)) & ~(
        complete_matches(raw, query.abstain_full_match_standout)
    )
    return warned


def _pair(counted: tuple[int, float, float]) -> str:
    count, before, after = counted
    return "—" if count == 0 else f"{before:.3f} → {after:.3f} ({count})"


def rates_table(rows: Sequence[SubjectRates]) -> str:
    cells = [
        [
            row.suite,
            _pair(row.answerable),
            _pair(row.unanswerable),
            _pair(row.foreign),
            _pair(row.gold_removed),
        ]
        for row in rows
    ]
    headers = ["set", "answerable", "unanswerable", "foreign", "gold out"]
    return markdown_table(headers, cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.subject", description=__doc__.splitlines()[0]
    )
    add_sample_arguments(parser)
    parser.add_argument(
        "--features",
        default=",".join(SUBJECT_FEATURES),
        help="comma-separated subset of rag.abstention.FEATURES",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=SUBJECT_BUDGET,
        help="most answerable questions of a fitted set marked besides those marked already",
    )
    parser.add_argument(
        "--leave-one-out", action="store_true", help="also fit without each set in turn"
    )
    parser.add_argument(
        "--write", action="store_true", help=f"store the model in {ABSTENTION_FILE.name}"
    )
    args = parser.parse_args(argv)
    used = [name.strip() for name in args.features.split(",")]
    unknown = sorted(set(used) - set(FEATURES))
    if unknown:
        parser.error(f"unknown features: {', '.join(unknown)}")
    settings = Settings()
    samples = read_or_collect(args, settings, related_suites(args, parser))
    held = set(args.hold_out)
    missing = sorted(held - {s.suite for s in samples})
    if missing:
        parser.error(f"--hold-out names no suite given: {', '.join(missing)}")
    raw = np.stack([s.features for s in samples])
    keep = np.array([name in used for name in FEATURES], dtype=float)
    x = raw * keep
    y = np.array([1.0 if s.answerable else 0.0 for s in samples])
    kinds = np.array([s.kind for s in samples])
    suites = np.array([s.suite for s in samples])
    complete = complete_matches(raw, settings.query.abstain_full_match_standout)
    warned = already_warned(raw, settings)
    train = capped(samples) & np.array([not s.suites & held for s in samples])
    model = fit_subject(x, y, kinds, suites, train, warned | complete, args.budget)
    # Rounded down: a printed threshold may mark one question fewer, never one more.
    threshold = math.floor(model.threshold * 1e4) / 1e4
    weights, bias = [round(float(w), 4) for w in model.weights], round(model.bias, 4)
    # What the service will mark: the model as stored, to four decimals.
    marked = (probabilities(x, np.array(weights), bias) < threshold) & ~complete
    print("features:", ", ".join(FEATURES))
    print(f"RAG_SUBJECT_WEIGHTS='[{', '.join(f'{w:.4f}' for w in weights)}]'")
    print(f"RAG_SUBJECT_BIAS={bias:.4f}")
    print(f"RAG_SUBJECT_THRESHOLD={threshold:.4f}")
    in_sample = [subject_rates(samples, name, warned, marked) for name in set_names(samples)]
    print("\nWarned about (answered 'not found' or marked uncertain), before → with the model")
    print(f"(held out: {', '.join(sorted(held)) or 'none'}):\n")
    print(rates_table(in_sample))
    if args.leave_one_out:
        print("\nEach set with a model fitted on all the others (leave one out):\n")
        print(rates_table(subject_leave_one_out(samples, keep, warned, complete, args.budget)))
    if args.write:
        record = json.loads(ABSTENTION_FILE.read_text(encoding="utf-8"))
        record["subject_weights"] = weights
        record["subject_bias"] = bias
        record["subject_threshold"] = threshold
        record["subject_fit"] = {
            "command": " ".join(["python -m eval.subject", *(argv or sys.argv[1:])]),
            "features_used": used,
            "held_out": sorted(held),
            "budget": args.budget,
            "samples": len(samples),
            # Shares warned about, before and with the model (None: no such questions).
            "rates": {
                row.suite: {
                    kind: [None if math.isnan(v) else round(v, 4) for v in counted[1:]]
                    for kind, counted in (
                        ("answerable", row.answerable),
                        ("unanswerable", row.unanswerable),
                        ("foreign", row.foreign),
                    )
                }
                for row in in_sample
            },
        }
        write_json(record, ABSTENTION_FILE)
        print(f"\nwritten to {ABSTENTION_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    run(main, "python -m eval.subject")
