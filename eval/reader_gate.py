"""Choose the reader's margin gate (``reader_min_margin``) on some sets, report it on others.

    rag eval $SETS --methods hybrid --compare reader=true,reader_min_margin=-1000 --out OUT
    python -m eval.reader_gate OUT/questions.jsonl --fit SET... --report SET... [--write]

With the gate that low the reader never abstains, so each question's result holds what the
judge decided and the reader's margin apart (no margin where the reader did not read every
first passage: it may not gate those); an answer is then "not found" at gate ``g`` when
the judge said so or the margin is below ``g``. The gate is the highest at which every
``--fit`` set keeps its false abstention within ``--max-false``; the table gives each set's
rates at that gate, fitted sets and reported sets apart. ``--write`` stores the gate and the
record of its fit in ``rag/fitted/reader_gate.json``.

``--quantity-questions-only`` measures a gate that applies only to questions asking for a
quantity or a date (``asks_number`` in the results, ``rag.question_type``): the reader was
trained on spans, names and numbers, not on the paragraph answers of how and why questions.
The other questions' margins are set aside, so that the judge alone decides them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from eval.command import run
from eval.report import HELD_OUT_COLUMNS, markdown_table
from eval.results import cell, fit_record, results_by_set, split_questions
from rag.errors import InputError
from rag.fitted import READER_GATE_FILE, write_json

DEFAULT_METHOD = "hybrid[reader=true,reader_min_margin=-1000]"


def _abstains(row: dict[str, Any], gate: float) -> bool:
    # No margin: the reader did not read every first passage, so only the judge decides.
    margin = row.get("reader_margin")
    return bool(row["abstained"]) or (margin is not None and float(margin) < gate)


def on_quantity_questions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the reader's margin kept only where the question asks for a quantity or a
    date: the gate then applies to those alone, the judge decides the others."""
    return [r if r.get("asks_number", False) else {**r, "reader_margin": None} for r in rows]


def rates(rows: list[dict[str, Any]], gate: float) -> dict[str, float | int]:
    def share(chosen: list[dict[str, Any]]) -> float:
        return sum(_abstains(r, gate) for r in chosen) / len(chosen) if chosen else float("nan")

    answerable, unanswerable, removed = split_questions(rows)
    return {
        "answerable": len(answerable),
        "false-abstain": share(answerable),
        "unanswerable": len(unanswerable),
        "abstain": share(unanswerable),
        "gold out": len(removed),
        "abstain (gold out)": share(removed),
    }


def choose_gate(fit_rows: list[list[dict[str, Any]]], max_false: float) -> float:
    """The highest gate keeping every fitted set's false abstention within ``max_false``
    (sets without answerable questions do not bind it)."""
    fit_rows = [rows for rows in fit_rows if rates(rows, 0.0)["answerable"]]
    candidates = sorted(
        {
            float(r["reader_margin"])
            for rows in fit_rows
            for r in rows
            if r.get("reader_margin") is not None
        },
        reverse=True,
    )
    for gate in candidates:
        if all(float(rates(rows, gate)["false-abstain"]) <= max_false for rows in fit_rows):
            return gate
    return candidates[-1] if candidates else float("-inf")


def table(by_set: dict[str, list[dict[str, Any]]], gate: float, fitted: list[str]) -> str:
    rows = [
        [name, "fitted" if name in fitted else "reported", *map(cell, rates(r, gate).values())]
        for name, r in by_set.items()
    ]
    return markdown_table(["set", "part", *HELD_OUT_COLUMNS], rows)


def leave_one_out_table(by_set: dict[str, list[dict[str, Any]]], max_false: float) -> str:
    rows = []
    for name, held_out in by_set.items():
        gate = choose_gate([r for other, r in by_set.items() if other != name], max_false)
        got = rates(held_out, gate)
        kept = ("false-abstain", "abstain", "abstain (gold out)")
        rows.append([name, f"{gate:.3f}", *(cell(got[k]) for k in kept)])
    columns = ["set held out", "gate", "false-abstain", "abstain", "abstain (gold out)"]
    return markdown_table(columns, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.reader_gate", description=__doc__)
    parser.add_argument("questions", type=Path, help="questions.jsonl of a rag eval --out")
    parser.add_argument("--method", default=DEFAULT_METHOD)
    parser.add_argument("--fit", nargs="+", required=True, help="sets the gate is chosen on")
    parser.add_argument("--report", nargs="*", default=[], help="sets only reported")
    parser.add_argument("--max-false", type=float, default=0.04)
    parser.add_argument(
        "--leave-one-out",
        action="store_true",
        help="also score each set at a gate fitted on the others",
    )
    parser.add_argument(
        "--quantity-questions-only",
        action="store_true",
        help="the gate applies only to questions asking for a quantity or a date",
    )
    parser.add_argument("--write", action="store_true", help=f"write {READER_GATE_FILE.name}")
    args = parser.parse_args(argv)
    if args.write and args.quantity_questions_only:
        raise InputError("--write stores a gate for every question; drop --quantity-questions-only")
    by_set = results_by_set(args.questions, args.method, "reader_margin", "reader margins")
    if args.quantity_questions_only:
        by_set = {name: on_quantity_questions(rows) for name, rows in by_set.items()}
    missing = [name for name in [*args.fit, *args.report] if name not in by_set]
    if missing:
        raise InputError(f"no results for {', '.join(missing)}; sets there: {', '.join(by_set)}")
    gate = choose_gate([by_set[name] for name in args.fit], args.max_false)
    shown = {name: by_set[name] for name in [*args.fit, *args.report]}
    scope = ", on quantity questions only" if args.quantity_questions_only else ""
    print(f"reader_min_margin = {gate:.4f} (fitted on {', '.join(args.fit)}{scope})\n")
    print(table(shown, gate, args.fit))
    if args.leave_one_out:
        print("\nEach set scored at the gate fitted on all the others (leave one set out):\n")
        print(leave_one_out_table(shown, args.max_false))
    if args.write:
        fitted = fit_record("python -m eval.reader_gate", shown, rates, gate)
        record = {
            "min_margin": round(gate, 4),
            "fit": {
                "command": fitted["command"],
                "fitted_sets": args.fit,
                "max_false_abstention": args.max_false,
                "rates": fitted["rates"],
            },
        }
        write_json(record, READER_GATE_FILE)
        print(f"\nwritten to {READER_GATE_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    run(main, "python -m eval.reader_gate")
