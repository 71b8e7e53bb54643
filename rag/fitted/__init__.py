"""Models fitted by the project's own commands, shipped as data beside the code.

``abstention.json`` is written by ``python -m eval.abstention ... --write``: the weights, bias
and threshold the service uses by default, with a record of the fit (its command, the
features used, the sets held out, the rates it reached); ``python -m eval.caution ... --write``
adds the confidence under which a found answer is marked uncertain, with its own record.
Settings read it for their defaults, so ``RAG_ABSTAIN_*`` and ``RAG_CAUTION_THRESHOLD``
environment variables still override it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rag.abstention import FEATURES

ABSTENTION_FILE = Path(__file__).resolve().parent / "abstention.json"
# The reader's margin gate, written by ``python -m eval.reader_gate ... --write``.
READER_GATE_FILE = Path(__file__).resolve().parent / "reader_gate.json"
# Before a gate is fitted, the reader never says "not found" on its own.
NO_GATE = -1000.0


@dataclass(frozen=True)
class FittedAbstention:
    weights: list[float]  # one per rag.abstention.FEATURES, in that order
    bias: float
    threshold: float
    fit: dict[str, Any] = field(default_factory=dict)
    features: tuple[str, ...] = FEATURES
    # Confidence under which a found answer is marked uncertain (``python -m eval.caution``);
    # None: no band of caution (the abstention threshold).
    caution_threshold: float | None = None
    caution_fit: dict[str, Any] = field(default_factory=dict)
    # The subject model (``python -m eval.subject ... --write``): a second logistic model over
    # FEATURES that marks a found answer uncertain when the question looks off the corpus's
    # subject (its probability under ``subject_threshold``); None: no such mark.
    subject_weights: list[float] | None = None
    subject_bias: float = 0.0
    subject_threshold: float = 0.0
    subject_fit: dict[str, Any] = field(default_factory=dict)


def read_fitted(path: Path) -> FittedAbstention:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data.get("features", ())) != FEATURES:
        raise ValueError(
            f"{path} was fitted over other features than rag.abstention.FEATURES; "
            "refit it with python -m eval.abstention ... --write"
        )
    return FittedAbstention(
        weights=[float(w) for w in data["weights"]],
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        fit=dict(data.get("fit", {})),
        caution_threshold=(
            None if data.get("caution_threshold") is None else float(data["caution_threshold"])
        ),
        caution_fit=dict(data.get("caution_fit", {})),
        subject_weights=(
            None
            if data.get("subject_weights") is None
            else [float(w) for w in data["subject_weights"]]
        ),
        subject_bias=float(data.get("subject_bias", 0.0)),
        subject_threshold=float(data.get("subject_threshold", 0.0)),
        subject_fit=dict(data.get("subject_fit", {})),
    )


def write_fitted(model: FittedAbstention, path: Path) -> None:
    record = asdict(model)
    record["features"] = list(model.features)
    write_json(record, path)


def write_json(record: dict[str, Any], path: Path) -> None:
    """Written whole or not at all (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
    ) as handle:
        json.dump(record, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    os.replace(handle.name, path)


@cache
def shipped_abstention() -> FittedAbstention:
    """The model in the package, read once."""
    return read_fitted(ABSTENTION_FILE)


def shipped_caution_threshold() -> float:
    """The shipped confidence of caution (the abstention threshold when none was fitted)."""
    model = shipped_abstention()
    return model.threshold if model.caution_threshold is None else model.caution_threshold


@cache
def shipped_reader_gate() -> float:
    """The reader's fitted margin gate (``NO_GATE`` when none is shipped)."""
    if not READER_GATE_FILE.is_file():
        return NO_GATE
    return float(json.loads(READER_GATE_FILE.read_text(encoding="utf-8"))["min_margin"])
