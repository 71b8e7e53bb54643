"""Fit the abstention model: ``python -m eval.abstention SUITE... [--gold-removed N]``.

Answerable questions of the suites are positives. Negatives are the suites' unanswerable
questions (``answer: null``) and, with ``--gold-removed N``, up to N answerable questions per
suite asked again with their gold documents filtered out of the index (the question stays
on topic, its answer is gone). With ``--foreign N``, up to N answerable questions of each
suite are also asked against the corpus of every other suite (off topic there: a Korean
encyclopedia question against English medical answers), except between suites named
``--related`` (corpora of one field may answer each other's questions). With ``--altered N``,
up to N answerable questions per suite are asked with one detail (a year, a name) swapped
for one their gold documents lack: near-miss questions on a subject the corpus covers
(``eval.altered``). A logistic
regression over ``rag.abstention.FEATURES`` is fitted (class-balanced, L2), the threshold is
the highest at which no suite wrongly abstains on more than ``--max-false`` of its
answerable questions, and the script prints the weights (``--write FILE`` stores them with
a record of the fit, as in ``rag/fitted/abstention.json``, which the settings read) with
in-sample and 2-fold cross-validated rates. ``--hold-out SUITE`` fits without that suite's
questions (its foreign ones included) and reports its rates as unseen ones.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.altered import altered_questions
from eval.command import run
from eval.datasets import EvalQuestion, EvalSet, load_eval_set
from eval.fitting import (
    ABSTAIN_MAX_FALSE,
    FOREIGN_SEPARATOR,
    Sample,
    complete_matches,
    fit_and_decide,
    leave_one_set_out,
    probabilities,
    rates,
)
from eval.runner import (
    engine_for,
    fill_gold_from_answers,
    gold_removable,
    sample_questions,
)
from rag.abstention import FEATURES
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.fitted import FittedAbstention, write_fitted

SPLIT_SEED = 5
# Answerable questions made unanswerable: gold documents removed, asked of a foreign corpus,
# or with a detail altered.
SYNTHETIC_KINDS = ("gold-removed", "foreign", "altered")


@dataclass
class Suite:
    eval_set: EvalSet
    engine: SearchEngine
    questions: list[EvalQuestion]  # the sample asked

    @property
    def corpus(self) -> tuple[str, ...]:
        return tuple(self.eval_set.corpus_inputs)


def foreign_samples(suites: list[Suite], count: int, related: set[frozenset[str]]) -> list[Sample]:
    """Up to ``count`` answerable questions of each suite asked against every other corpus,
    as unanswerable ones; not between suites of one corpus or named ``related``."""
    samples: list[Sample] = []
    corpora: dict[tuple[str, ...], Suite] = {}
    for suite in suites:  # one engine per corpus, named after its first suite
        corpora.setdefault(suite.corpus, suite)
    for owner in corpora.values():
        for asking in suites:
            names = frozenset({owner.eval_set.name, asking.eval_set.name})
            if asking.corpus == owner.corpus or any(pair <= names for pair in related):
                continue
            answerable = [q for q in asking.questions if q.answerable]
            questions = sample_questions(answerable, count)
            engine = owner.engine
            for query in engine.make_queries([q.text for q in questions]):
                signals = engine.judge.signals(query, engine.rank(query), engine.params)
                if signals is not None:
                    group = f"{owner.eval_set.name}{FOREIGN_SEPARATOR}{asking.eval_set.name}"
                    samples.append(Sample(group, "foreign", signals.vector(), False))
    return samples


def altered_samples(
    name: str, engine: SearchEngine, questions: list[EvalQuestion], count: int
) -> list[Sample]:
    """Up to ``count`` near-miss questions (``eval.altered``) asked of the whole index."""

    def gold_text(question: EvalQuestion) -> str:
        articles = [engine.corpus.article(doc) for doc in question.gold]
        return "\n".join(f"{a.title}\n{a.text}" for a in articles)

    texts = altered_questions(questions, count, gold_text, engine.analyzer)
    samples = []
    for query in engine.make_queries(texts):
        signals = engine.judge.signals(query, engine.rank(query), engine.params)
        if signals is not None:
            samples.append(Sample(name, "altered", signals.vector(), False))
    return samples


def collect(
    paths: list[Path],
    corpus: list[Path],
    settings: Settings,
    encoder: Encoder,
    gold_removed: int,
    limit: int,
    *,
    foreign: int = 0,
    related: set[frozenset[str]] | None = None,
    altered: int = 0,
) -> list[Sample]:
    samples: list[Sample] = []
    suites: list[Suite] = []
    engines: dict[tuple[str, ...], SearchEngine] = {}
    for path in paths:
        eval_set = load_eval_set(path, corpus)
        key = tuple(eval_set.corpus_inputs)
        if key not in engines:
            engines[key], _ = engine_for(eval_set, settings, encoder, progress=True)
        engine = engines[key]
        questions = sample_questions(eval_set.questions, limit)
        fill_gold_from_answers(questions, engine)
        suites.append(Suite(eval_set, engine, questions))
        queries = engine.make_queries([q.text for q in questions])
        chosen = {id(q) for q in gold_removable(questions, gold_removed)}
        for question, query in zip(questions, queries, strict=True):
            signals = engine.judge.signals(query, engine.rank(query), engine.params)
            if signals is not None:
                kind = "answerable" if question.answerable else "unanswerable"
                samples.append(Sample(eval_set.name, kind, signals.vector(), question.answerable))
            if id(question) in chosen:
                allowed = engine.corpus.without_articles(question.gold)
                signals = engine.judge.signals(
                    query, engine.rank(query, allowed), engine.params, allowed
                )
                if signals is not None:
                    samples.append(Sample(eval_set.name, "gold-removed", signals.vector(), False))
        if altered:
            samples.extend(altered_samples(eval_set.name, engine, questions, altered))
        print(f"{eval_set.name}: {len(samples)} samples so far", file=sys.stderr)
    if foreign:
        samples.extend(foreign_samples(suites, foreign, related or set()))
        print(f"foreign questions: {len(samples)} samples so far", file=sys.stderr)
    return samples


def save_samples(samples: list[Sample], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:  # np.savez would add ".npz" to a name without it
        np.savez(
            handle,
            suite=np.array([s.suite for s in samples]),
            kind=np.array([s.kind for s in samples]),
            features=np.stack([s.features for s in samples]),
            answerable=np.array([s.answerable for s in samples]),
            names=np.array(FEATURES),
        )


def load_samples(path: Path) -> list[Sample]:
    with np.load(path) as data:
        if tuple(data["names"].tolist()) != FEATURES:
            raise SystemExit(f"{path} holds other features than {', '.join(FEATURES)}")
        return [
            Sample(str(suite), str(kind), features, bool(answerable))
            for suite, kind, features, answerable in zip(
                data["suite"], data["kind"], data["features"], data["answerable"], strict=True
            )
        ]


def add_sample_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say which questions are asked, of which corpora, and where the
    collected samples are kept: shared with ``python -m eval.subject``."""
    parser.add_argument("suites", nargs="+")
    parser.add_argument("--corpus", action="append", help="corpus of answer-span sets")
    parser.add_argument("--gold-removed", type=int, default=200, metavar="N")
    parser.add_argument("--limit", type=int, default=300, help="questions sampled per suite")
    parser.add_argument(
        "--hold-out",
        action="append",
        default=[],
        metavar="SUITE",
        help="a suite (by name) left out of the fit and reported as unseen",
    )
    parser.add_argument(
        "--foreign",
        type=int,
        default=0,
        metavar="N",
        help="answerable questions per suite asked against each other suite's corpus",
    )
    parser.add_argument(
        "--related",
        action="append",
        default=[],
        metavar="SUITE:SUITE",
        help="two suites whose corpora may answer each other's questions (no foreign pairs)",
    )
    parser.add_argument(
        "--altered",
        type=int,
        default=0,
        metavar="N",
        help="near-miss questions per suite: answerable ones with a year or a name swapped "
        "for one their gold documents lack (eval.altered)",
    )
    parser.add_argument(
        "--samples",
        type=Path,
        metavar="FILE",
        help="a .npz of the collected samples: read if it exists (to try other features or "
        "hold-outs without asking every question again), else written after collecting",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eval.abstention", description=__doc__.splitlines()[0]
    )
    add_sample_arguments(parser)
    parser.add_argument(
        "--fit-on-natural",
        action="store_true",
        help="fit on answerable and truly unanswerable questions only; report the synthetic "
        "ones (the same as --not-fitted with every kind)",
    )
    parser.add_argument(
        "--not-fitted",
        action="append",
        default=[],
        choices=SYNTHETIC_KINDS,
        help="a kind of question left out of the fit and reported only, to measure what it adds",
    )
    parser.add_argument(
        "--features", default=",".join(FEATURES), help="comma-separated subset of the features"
    )
    parser.add_argument("--max-false", type=float, default=ABSTAIN_MAX_FALSE)
    parser.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="write the fitted model with a record of its fit (the service reads "
        "rag/fitted/abstention.json)",
    )
    parser.add_argument(
        "--leave-one-out",
        action="store_true",
        help="also fit without each set in turn and report it as unseen (the table of `rag eval`)",
    )
    parser.add_argument(
        "--current",
        action="store_true",
        help="no fit: report the rates of the model in the settings (RAG_ABSTAIN_*)",
    )
    return parser


def related_suites(
    args: argparse.Namespace, parser: argparse.ArgumentParser
) -> set[frozenset[str]]:
    related = set()
    for pair in args.related:
        first, _, second = pair.partition(":")
        if not first or not second:
            parser.error(f"--related expects SUITE:SUITE, got {pair!r}")
        related.add(frozenset({first, second}))
    return related


def read_or_collect(
    args: argparse.Namespace, settings: Settings, related: set[frozenset[str]]
) -> list[Sample]:
    """The collected samples: read from ``--samples`` if it exists, else asked (and saved)."""
    if args.samples is not None and args.samples.is_file():
        return load_samples(args.samples)
    corpus = [Path(p) for p in (args.corpus or settings.eval.eval_news_corpus)]
    samples = collect(
        [Path(s) for s in args.suites],
        corpus,
        settings,
        Encoder(settings),
        args.gold_removed,
        args.limit,
        foreign=args.foreign,
        related=related,
        altered=args.altered,
    )
    if args.samples is not None:
        save_samples(samples, args.samples)
    return samples


def _print_current(samples: list[Sample], raw: np.ndarray, answered: np.ndarray) -> None:
    settings = Settings()
    current = probabilities(
        raw, np.array(settings.query.abstain_weights), settings.query.abstain_bias
    )
    current[answered] = np.inf
    print("the settings' model (complete lexical matches answered):")
    print("\n| group | n | not-found rate |")
    print("|---|---|---|")
    for group, (count, rate) in rates(samples, current < settings.query.abstain_threshold).items():
        print(f"| {group} | {count} | {rate:.3f} |")


def _print_leave_one_out(samples: list[Sample], keep: np.ndarray, max_false: float) -> None:
    print(
        "\n| set held out | false abstention | not found, unanswerable | not found, gold out "
        "| foreign | not found, foreign |"
    )
    print("|---|---|---|---|---|---|")
    standout = Settings().query.abstain_full_match_standout
    for row in leave_one_set_out(samples, keep, max_false, standout):
        print(
            f"| {row.suite} | {row.false_abstention:.3f} | {row.not_found:.3f} "
            f"| {row.not_found_gold_removed:.3f} | {row.foreign} | {row.not_found_foreign:.3f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    related = related_suites(args, parser)
    used = [name.strip() for name in args.features.split(",")]
    unknown = sorted(set(used) - set(FEATURES))
    if unknown:
        parser.error(f"unknown features: {', '.join(unknown)}")
    settings = Settings()
    samples = read_or_collect(args, settings, related)
    held = set(args.hold_out)
    missing = sorted(held - {s.suite for s in samples})
    if missing:
        parser.error(f"--hold-out names no suite given: {', '.join(missing)}")
    raw = np.stack([s.features for s in samples])
    # Answered whatever the model says, as the service does.
    answered = complete_matches(raw, settings.query.abstain_full_match_standout)
    if args.current:
        _print_current(samples, raw, answered)
        return 0
    # Unused features keep a zero weight, so the printed vector still lines up with FEATURES.
    keep = np.array([name in used for name in FEATURES], dtype=float)
    x = raw * keep
    y = np.array([1.0 if s.answerable else 0.0 for s in samples])
    suites = np.array([s.suite for s in samples])
    # A held-out suite's foreign questions, and other suites' questions against its corpus,
    # are held out with it.
    not_fitted = set(SYNTHETIC_KINDS if args.fit_on_natural else args.not_fitted)
    fit = np.array([s.kind not in not_fitted and not s.suites & held for s in samples])
    weights, bias, threshold, abstained = fit_and_decide(
        x, y, suites, fit, args.max_false, answered
    )

    # 2-fold cross-validation: fit on one half (threshold included), score the other.
    fold = np.random.default_rng(SPLIT_SEED).permutation(len(samples)) % 2
    held_out = np.zeros(len(samples), dtype=bool)
    for k in (0, 1):
        *_, decided = fit_and_decide(x, y, suites, (fold != k) & fit, args.max_false, answered)
        held_out[fold == k] = decided[fold == k]

    print("features:", ", ".join(FEATURES))
    print(f"RAG_ABSTAIN_WEIGHTS='[{', '.join(f'{w:.4f}' for w in weights)}]'")
    print(f"RAG_ABSTAIN_BIAS={bias:.4f}")
    # Rounded down: a printed threshold may answer one more question, never abstain on one.
    shipped_threshold = math.floor(threshold * 1e4) / 1e4
    print(f"RAG_ABSTAIN_THRESHOLD={shipped_threshold:.4f}")
    in_sample, cross = rates(samples, abstained), rates(samples, held_out)
    if args.write is not None:
        model = FittedAbstention(
            weights=[round(float(w), 4) for w in weights],
            bias=round(bias, 4),
            threshold=shipped_threshold,
            fit={
                "command": " ".join(["python -m eval.abstention", *(argv or sys.argv[1:])]),
                "features_used": used,
                "held_out": sorted(held),
                "max_false": args.max_false,
                "samples": len(samples),
                "not_found_rates": {g: round(r, 4) for g, (_, r) in in_sample.items()},
            },
        )
        write_fitted(model, args.write)
        print(f"written to {args.write}")
    print("\n| group | n | not-found rate (fit) | not-found rate (2-fold CV) |")
    print("|---|---|---|---|")
    for group, (count, rate) in in_sample.items():
        unseen = " (held out)" if set(group.split("/")[0].split(FOREIGN_SEPARATOR)) & held else ""
        print(f"| {group}{unseen} | {count} | {rate:.3f} | {cross[group][1]:.3f} |")
    if args.leave_one_out:
        _print_leave_one_out(samples, keep, args.max_false)
    return 0


if __name__ == "__main__":
    run(main, "python -m eval.abstention")
