"""Per-question results of a ``rag eval --out`` run (its ``questions.jsonl``), read back by
the commands that choose a threshold on them (``eval.reader_gate``, ``eval.caution``)."""

from __future__ import annotations

import json
import shlex
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rag.errors import InputError

Row = dict[str, Any]


def results_by_set(path: Path, method: str, field: str, what: str) -> dict[str, list[Row]]:
    """The results of ``method`` by set; an input error when the file is missing or no result
    has ``field`` (``what`` names it in the message)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file (the questions.jsonl of a rag eval --out)")
    by_set: dict[str, list[Row]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("method") == method:
                by_set[row["set"]].append(row)
    if not any(r.get(field) is not None for rows in by_set.values() for r in rows):
        raise InputError(f"{path}: no results of method {method!r} with {what}")
    return by_set


def split_questions(rows: list[Row]) -> tuple[list[Row], list[Row], list[Row]]:
    """A set's answerable and unanswerable questions, and the answerable ones asked again with
    their gold articles left out (``--gold-removed``)."""
    asked = [r for r in rows if not r.get("gold_removed")]
    return (
        [r for r in asked if r["answerable"]],
        [r for r in asked if not r["answerable"]],
        [r for r in rows if r.get("gold_removed")],
    )


def cell(value: float | int) -> str:
    """A table cell: a share to three decimals, a count as is, a dash for no such question."""
    if isinstance(value, float):
        return "—" if value != value else f"{value:.3f}"  # NaN: no such question
    return str(value)


def fit_record(
    prog: str,
    shown: Mapping[str, list[Row]],
    rates: Callable[[list[Row], float], Mapping[str, float]],
    value: float,
) -> dict[str, Any]:
    """What a fitting command writes beside the value it chose: itself as run, and each shown
    set's rates at that value (a rate of no question, NaN, as null)."""
    return {
        "command": f"{prog} {shlex.join(sys.argv[1:])}",
        "rates": {
            name: {k: None if v != v else v for k, v in rates(rows, value).items()}
            for name, rows in shown.items()
        },
    }
