"""The reader on its own, on KorQuAD's held-out part: does the span it reads off the gold
paragraph hold the answer, and does its margin tell the gold paragraph from near misses?"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from eval.reader_data import korquad_examples
from rag.reader.read import Reader


def auc(positive: list[float], negative: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    if not positive or not negative:
        return float("nan")
    pos, neg = np.array(positive)[:, None], np.array(negative)[None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def score_reader(reader: Reader, korquad: Path, limit: int, seed: int) -> dict[str, Any]:
    from rag.lexical.analyzer import LexicalAnalyzer

    rng = random.Random(seed)
    examples = korquad_examples(korquad, "heldout", LexicalAnalyzer(), rng)
    by_kind: dict[str, list[Any]] = {}
    for example in examples:
        by_kind.setdefault(example.kind, []).append(example)
    margins: dict[str, list[float]] = {}
    exact = holds = 0
    for kind, chosen in by_kind.items():
        rng.shuffle(chosen)
        margins[kind] = []
        for example in chosen[:limit]:
            reading = reader.read(example.question, [example.context])[0]
            margins[kind].append(reading.margin)
            if kind == "korquad" and reading.has_span:
                span = example.context[reading.start : reading.end]
                exact += span.strip() == example.answer.strip()
                holds += example.answer in span
    answered = margins.get("korquad", [])
    result: dict[str, Any] = {
        "set": "korquad-v1-dev#heldout",
        "questions": len(answered),
        "exact_match": round(exact / max(len(answered), 1), 4),
        "span_holds_answer": round(holds / max(len(answered), 1), 4),
        "answerable_margin_above_0": round(float(np.mean(np.array(answered) > 0)), 4),
    }
    for kind in ("near-paragraph", "altered"):
        negatives = margins.get(kind, [])
        result[f"{kind}_margin_above_0"] = round(float(np.mean(np.array(negatives) > 0)), 4)
        result[f"auc_vs_{kind}"] = round(auc(answered, negatives), 4)
    return result
