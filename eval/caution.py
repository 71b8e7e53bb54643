"""Choose the confidence of caution on some sets, report it on others.

    rag eval $SETS --methods hybrid --gold-removed 300 --out OUT
    python -m eval.caution OUT/questions.jsonl --fit SET... --report SET... [--write]

Abstention hides an answer only when the evidence is very weak, so that answers are not
hidden (false abstention within a few percent); many questions the articles do not answer
are then answered with passages that do not answer them. The caution threshold marks the
answers between: found, cited, and flagged as possibly not answering (``uncertain`` in
``/ask``), so a person knows to check them. It is the highest confidence at which every
``--fit`` set flags at most ``--max-share`` of the answerable questions it answers, the
answers the subject model marks (``off_subject``, ``python -m eval.subject``) counted as
flagged at any threshold; the
table gives each set's rates at that threshold: answerable questions flagged ("uncertain")
and hidden ("not found"), and questions the articles do not answer ("unanswerable", and
answerable ones asked with their gold articles left out) warned about, flagged or hidden.
``--write`` stores the threshold and the record of its fit in ``rag/fitted/abstention.json``
beside the abstention model whose confidences it was chosen on; refitting that model
(``python -m eval.abstention ... --write``) drops it until this is run again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eval.command import run
from eval.report import markdown_table
from eval.results import cell, fit_record, results_by_set, split_questions
from rag.errors import InputError
from rag.fitted import ABSTENTION_FILE, write_json

DEFAULT_METHOD = "hybrid"
DEFAULT_MAX_SHARE = 0.10
COLUMNS = (
    "answerable",
    "uncertain",
    "not found",
    "unanswerable",
    "warned",
    "gold out",
    "warned (gold out)",
)


def _uncertain(row: dict[str, Any], threshold: float) -> bool:
    """Found and marked: under ``threshold``, or off the subject (the subject model's mark,
    which the threshold adds to)."""
    confidence = row.get("confidence")
    if row["abstained"] or confidence is None:
        return False
    return float(confidence) < threshold or bool(row.get("off_subject"))


def rates(rows: list[dict[str, Any]], threshold: float) -> dict[str, float | int]:
    """Shares of a set's questions flagged uncertain or hidden at ``threshold``."""

    def share(chosen: list[dict[str, Any]], flagged: Any) -> float:
        return sum(map(flagged, chosen)) / len(chosen) if chosen else float("nan")

    def warned(row: dict[str, Any]) -> bool:
        return bool(row["abstained"]) or _uncertain(row, threshold)

    answerable, unanswerable, removed = split_questions(rows)
    return dict(
        zip(
            COLUMNS,
            (
                len(answerable),
                share(answerable, lambda r: _uncertain(r, threshold)),
                share(answerable, lambda r: bool(r["abstained"])),
                len(unanswerable),
                share(unanswerable, warned),
                len(removed),
                share(removed, warned),
            ),
            strict=True,
        )
    )


def choose_threshold(fit_rows: list[list[dict[str, Any]]], max_share: float) -> float:
    """The highest confidence at which every fitted set flags at most ``max_share`` of its
    answerable questions as uncertain (sets without answerable questions do not bind it);
    0 when even the lowest flags more."""
    answered = [split_questions(rows)[0] for rows in fit_rows]
    fit_rows = [rows for rows, answerable in zip(fit_rows, answered, strict=True) if answerable]
    confidences = {
        r["confidence"] for rows in answered for r in rows if r.get("confidence") is not None
    }
    candidates = sorted(map(float, confidences), reverse=True)
    for threshold in candidates:
        if all(float(rates(rows, threshold)["uncertain"]) <= max_share for rows in fit_rows):
            return threshold
    return 0.0


def table(by_set: dict[str, list[dict[str, Any]]], threshold: float, fitted: list[str]) -> str:
    rows = []
    for name, set_rows in by_set.items():
        part = "fitted" if name in fitted else "reported"
        rows.append([name, part, *map(cell, rates(set_rows, threshold).values())])
    return markdown_table(["set", "part", *COLUMNS], rows)


def leave_one_out_table(by_set: dict[str, list[dict[str, Any]]], max_share: float) -> str:
    rows = []
    for name, held_out in by_set.items():
        threshold = choose_threshold([r for other, r in by_set.items() if other != name], max_share)
        got = rates(held_out, threshold)
        kept = ("uncertain", "warned", "warned (gold out)")
        rows.append([name, f"{threshold:.3f}", *(cell(got[k]) for k in kept)])
    return markdown_table(["set held out", "threshold", *kept], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.caution", description=__doc__)
    parser.add_argument("questions", type=Path, help="questions.jsonl of a rag eval --out")
    parser.add_argument("--method", default=DEFAULT_METHOD)
    parser.add_argument("--fit", nargs="+", required=True, help="sets it is chosen on")
    parser.add_argument("--report", nargs="*", default=[], help="sets only reported")
    parser.add_argument(
        "--max-share",
        type=float,
        default=DEFAULT_MAX_SHARE,
        help="most answerable questions of a fitted set flagged uncertain",
    )
    parser.add_argument(
        "--leave-one-out",
        action="store_true",
        help="also score each set at a threshold fitted on the others",
    )
    parser.add_argument("--write", action="store_true", help=f"write {ABSTENTION_FILE.name}")
    args = parser.parse_args(argv)
    by_set = results_by_set(args.questions, args.method, "confidence", "confidences")
    missing = [name for name in [*args.fit, *args.report] if name not in by_set]
    if missing:
        raise InputError(f"no results for {', '.join(missing)}; sets there: {', '.join(by_set)}")
    threshold = choose_threshold([by_set[name] for name in args.fit], args.max_share)
    shown = {name: by_set[name] for name in [*args.fit, *args.report]}
    print(f"caution_threshold = {threshold:.4f} (fitted on {', '.join(args.fit)})\n")
    print(table(shown, threshold, args.fit))
    if args.leave_one_out:
        print("\nEach set scored at the threshold fitted on all the others (leave one out):\n")
        print(leave_one_out_table(shown, args.max_share))
    if args.write:
        record = json.loads(ABSTENTION_FILE.read_text(encoding="utf-8"))
        record["caution_threshold"] = round(threshold, 4)
        fitted = fit_record("python -m eval.caution", shown, rates, threshold)
        record["caution_fit"] = {
            "command": fitted["command"],
            "fitted_sets": args.fit,
            "max_share": args.max_share,
            "rates": fitted["rates"],
        }
        write_json(record, ABSTENTION_FILE)
        print(f"\nwritten to {ABSTENTION_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    run(main, "python -m eval.caution")
