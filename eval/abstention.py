"""Fit the abstention model: ``python -m eval.abstention SUITE... [--gold-removed N]``.

Answerable questions of the suites are positives. Negatives are the suites' unanswerable
questions (``answer: null``) and, with ``--gold-removed N``, up to N answerable questions per
suite asked again with their gold documents filtered out of the index (the question stays
on topic, its answer is gone). A logistic regression over ``rag.abstention.FEATURES`` is
fitted (class-balanced, L2), the threshold is the highest at which no suite wrongly abstains
on more than ``--max-false`` of its answerable questions, and the script prints the weights
to put in the settings with in-sample and 2-fold cross-validated rates. ``--hold-out SUITE``
fits without that suite's questions and reports its rates as unseen ones.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.datasets import load_eval_set
from eval.runner import (
    engine_for,
    fill_gold_from_answers,
    gold_removable,
    sample_questions,
)
from rag.abstention import FEATURES
from rag.config import Settings
from rag.embedding.encoder import Encoder

L2 = 1e-2
SPLIT_SEED = 5
THRESHOLD_MARGIN = 2e-4  # below a lone answerable question: more than the printed precision


@dataclass
class Sample:
    suite: str
    kind: str  # "answerable", "unanswerable" or "gold-removed"
    features: np.ndarray
    answerable: bool

    @property
    def group(self) -> str:
        return f"{self.suite}/{self.kind}"


def collect(
    paths: list[Path],
    corpus: list[Path],
    settings: Settings,
    encoder: Encoder,
    gold_removed: int,
    limit: int,
) -> list[Sample]:
    samples: list[Sample] = []
    for path in paths:
        eval_set = load_eval_set(path, corpus)
        engine, _ = engine_for(eval_set, settings, encoder, progress=True)
        questions = sample_questions(eval_set.questions, limit)
        fill_gold_from_answers(questions, engine)
        queries = engine.make_queries([q.text for q in questions])
        chosen = {id(q) for q in gold_removable(questions, gold_removed)}
        for question, query in zip(questions, queries, strict=True):
            signals = engine.signals(query, engine.rank(query))
            if signals is not None:
                kind = "answerable" if question.answerable else "unanswerable"
                samples.append(Sample(eval_set.name, kind, signals.vector(), question.answerable))
            if id(question) in chosen:
                allowed = engine.corpus.without_articles(question.gold)
                signals = engine.signals(query, engine.rank(query, allowed), allowed)
                if signals is not None:
                    samples.append(Sample(eval_set.name, "gold-removed", signals.vector(), False))
        print(f"{eval_set.name}: {len(samples)} samples so far", file=sys.stderr)
    return samples


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Class-balanced, L2-regularized logistic regression by Newton's method.

    Features are standardized for the fit, so that the penalty weighs them alike (a cosine
    moves by hundredths where a flag moves by one); the weights returned apply to raw ones."""
    mean = x.mean(axis=0)
    spread = x.std(axis=0)
    spread[spread < 1e-12] = 1.0  # a constant feature keeps a zero weight
    design = np.hstack([(x - mean) / spread, np.ones((len(x), 1))])
    balance = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    theta = np.zeros(design.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-design @ theta))
        gradient = design.T @ (balance * (p - y)) + L2 * theta
        hessian = (design * (balance * p * (1 - p))[:, None]).T @ design + L2 * np.eye(len(theta))
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = theta[:-1] / spread
    return weights, float(theta[-1] - weights @ mean)


def probabilities(x: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    probability: np.ndarray = 1 / (1 + np.exp(-(x @ weights + bias)))
    return probability


def choose_threshold(
    p: np.ndarray, y: np.ndarray, max_false: float, groups: np.ndarray | None = None
) -> float:
    """The highest threshold at which no group's answerable questions are wrongly answered
    'not found' more often than ``max_false`` (one group when ``groups`` is None).

    It lies halfway below the first answerable question that must still be answered, so that
    printing it to a few decimals cannot push that question under it."""
    groups = np.zeros(len(p), dtype=int) if groups is None else groups
    thresholds = []
    for group in np.unique(groups[y == 1]):
        positives = np.sort(p[(y == 1) & (groups == group)])
        allowed = int(np.floor(max_false * len(positives)))
        below = positives[allowed - 1] if allowed else positives[0] - THRESHOLD_MARGIN
        thresholds.append(float(positives[allowed] + below) / 2)
    return min(thresholds, default=0.5)


def rates(samples: list[Sample], abstained: np.ndarray) -> dict[str, tuple[int, float]]:
    """Per group: (count, share answered 'not found')."""
    out: dict[str, tuple[int, float]] = {}
    for group in sorted({s.group for s in samples}):
        rows = [i for i, s in enumerate(samples) if s.group == group]
        out[group] = (len(rows), float(np.mean(abstained[rows])))
    return out


def fit_and_decide(
    x: np.ndarray, y: np.ndarray, suites: np.ndarray, train: np.ndarray, max_false: float
) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Weights, bias and threshold fitted on ``train``; which of all samples abstain."""
    weights, bias = fit_logistic(x[train], y[train])
    p = probabilities(x, weights, bias)
    threshold = choose_threshold(p[train], y[train], max_false, suites[train])
    return weights, bias, threshold, p < threshold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.abstention", description=__doc__.splitlines()[0]
    )
    parser.add_argument("suites", nargs="+")
    parser.add_argument("--corpus", action="append", help="corpus of answer-span sets")
    parser.add_argument("--gold-removed", type=int, default=200, metavar="N")
    parser.add_argument("--limit", type=int, default=300, help="questions sampled per suite")
    parser.add_argument(
        "--fit-on-natural",
        action="store_true",
        help="fit on answerable and truly unanswerable questions only; report gold-removed",
    )
    parser.add_argument(
        "--hold-out",
        action="append",
        default=[],
        metavar="SUITE",
        help="a suite (by name) left out of the fit and reported as unseen",
    )
    parser.add_argument(
        "--features", default=",".join(FEATURES), help="comma-separated subset of the features"
    )
    parser.add_argument("--max-false", type=float, default=0.05)
    args = parser.parse_args(argv)
    used = [name.strip() for name in args.features.split(",")]
    unknown = sorted(set(used) - set(FEATURES))
    if unknown:
        parser.error(f"unknown features: {', '.join(unknown)}")
    settings = Settings()
    encoder = Encoder(settings)
    corpus = [Path(p) for p in (args.corpus or settings.eval_news_corpus)]
    samples = collect(
        [Path(s) for s in args.suites], corpus, settings, encoder, args.gold_removed, args.limit
    )
    missing = sorted(set(args.hold_out) - {s.suite for s in samples})
    if missing:
        parser.error(f"--hold-out names no suite given: {', '.join(missing)}")
    # Unused features keep a zero weight, so the printed vector still lines up with FEATURES.
    keep = np.array([name in used for name in FEATURES], dtype=float)
    x = np.stack([s.features for s in samples]) * keep
    y = np.array([1.0 if s.answerable else 0.0 for s in samples])
    suites = np.array([s.suite for s in samples])
    fit = np.array(
        [
            not (args.fit_on_natural and s.kind == "gold-removed") and s.suite not in args.hold_out
            for s in samples
        ]
    )
    weights, bias, threshold, abstained = fit_and_decide(x, y, suites, fit, args.max_false)

    # 2-fold cross-validation: fit on one half (threshold included), score the other.
    fold = np.random.default_rng(SPLIT_SEED).permutation(len(samples)) % 2
    held_out = np.zeros(len(samples), dtype=bool)
    for k in (0, 1):
        *_, decided = fit_and_decide(x, y, suites, (fold != k) & fit, args.max_false)
        held_out[fold == k] = decided[fold == k]

    print("features:", ", ".join(FEATURES))
    print(f"RAG_ABSTAIN_WEIGHTS='[{', '.join(f'{w:.4f}' for w in weights)}]'")
    print(f"RAG_ABSTAIN_BIAS={bias:.4f}")
    # Rounded down: a printed threshold may answer one more question, never abstain on one.
    print(f"RAG_ABSTAIN_THRESHOLD={math.floor(threshold * 1e4) / 1e4:.4f}")
    in_sample, cross = rates(samples, abstained), rates(samples, held_out)
    print("\n| group | n | not-found rate (fit) | not-found rate (2-fold CV) |")
    print("|---|---|---|---|")
    for group, (count, rate) in in_sample.items():
        unseen = " (held out)" if group.split("/")[0] in args.hold_out else ""
        print(f"| {group}{unseen} | {count} | {rate:.3f} | {cross[group][1]:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
